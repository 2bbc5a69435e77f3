//! `regwatch user`: editors' and admins' accounts from the shell.

use regwatch::config::Settings;
use regwatch::db;

use crate::UserCommand;

fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 10 characters): ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub fn run_user(settings: &Settings, cmd: UserCommand) -> anyhow::Result<()> {
    use regwatch::domain::EmailAddress;
    use regwatch::store::users::{self, Password, Role};
    let mut conn = db::DbConnection::open(&settings.database_url)?;
    conn.migrate()?;
    match cmd {
        UserCommand::Add { email, role } => {
            let email = EmailAddress::try_from(email.as_str())?;
            let role: Role = role.parse()?;
            let password = read_password()?;
            let password = Password::try_from(password.as_str())?;
            users::create(&mut conn, &email, &password, role, settings.clock.now())?;
            say!("created {role} account {email}");
        }
        UserCommand::List => {
            for u in users::list(&mut conn)? {
                say!(
                    "{}\t{}\t{}\tcreated {}",
                    u.email,
                    u.role,
                    if u.disabled { "disabled" } else { "active" },
                    u.created_at.format("%Y-%m-%d")
                );
            }
        }
        UserCommand::Disable { email } => {
            users::set_disabled(&mut conn, &email, true)?;
            say!("disabled {email}");
        }
        UserCommand::Enable { email } => {
            users::set_disabled(&mut conn, &email, false)?;
            say!("enabled {email}");
        }
    }
    Ok(())
}
