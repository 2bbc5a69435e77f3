//! Enums stored by name in a `TEXT` column. [`text_enum!`] declares one
//! with its names: `as_str`, `from_name`, `ALL`, `Display`, and the diesel
//! mapping to and from `Text` on every backend. [`text_column!`] maps a
//! type declared elsewhere (with `as_str` and `FromStr`, deriving
//! `AsExpression` and `FromSqlRow` for `Text`). Either way a stored name
//! that is not one of them is an error when the row is read, never a
//! default.

macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name it is stored as.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value a stored name stands for.
            pub fn from_name(name: &str) -> Option<$name> {
                match name {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        $crate::domain::text_column!(@map $name, |name: &str| {
            $name::from_name(name).ok_or_else(String::new)
        });
    };
}

pub(crate) use text_enum;

macro_rules! text_column {
    ($name:ty) => {
        $crate::domain::text_column!(@map $name, |name: &str| {
            name.parse::<$name>().map_err(|e| format!(": {e}"))
        });
    };
    // The diesel mapping, given how a stored name is read: `Ok`, or `Err`
    // with what to add to the message.
    (@map $name:ty, $read:expr) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(value: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let name =
                    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(
                        value,
                    )?;
                let read: fn(&str) -> Result<$name, String> = $read;
                read(&name).map_err(|more| {
                    format!("{name:?} is not a {} this version knows{more}", stringify!($name))
                        .into()
                })
            }
        }
    };
}

pub(crate) use text_column;
