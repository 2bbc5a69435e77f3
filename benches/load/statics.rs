//! The yardstick: a bare actix-web handler answering each route with the
//! very bytes regwatch gave for it, in this process, with two workers.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use bytes::Bytes;

/// Serves `pages` (path and query → body) until the process ends;
/// returns the port.
pub fn start(pages: HashMap<String, Bytes>) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let pages = Arc::new(pages);
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let pages = pages.clone();
                App::new().default_service(web::to(move |req: HttpRequest| {
                    let pages = pages.clone();
                    async move {
                        let key = req
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str())
                            .unwrap_or("/");
                        match pages.get(key) {
                            Some(body) => HttpResponse::Ok()
                                .content_type("text/html; charset=utf-8")
                                .body(body.clone()),
                            None => HttpResponse::NotFound().finish(),
                        }
                    }
                }))
            })
            .workers(2)
            .listen(listener);
            if let Ok(server) = server {
                let _ = server.run().await;
            }
        });
    });
    Ok(port)
}
