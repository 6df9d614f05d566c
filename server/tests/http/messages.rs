//! Messages leave by SMTP when configured: a real SMTP conversation with a sink on loopback.

use std::sync::Arc;

use axum::http::StatusCode;
use base64::Engine;
use server::messages::{Courier, Outbox};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::mpsc,
};

use crate::fixtures::{code_in, post, signup_body, verify};
use crate::test_app_with;

/// A minimal SMTP server that accepts every message and hands its DATA to the test.
async fn smtp_sink() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let (sender, receiver) = mpsc::channel(8);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            sender.send(data).await.unwrap();
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (url, receiver)
}

/// The text of a single-part message, whatever transfer encoding lettre chose.
fn body_text(data: &str) -> String {
    let (headers, body) = data.split_once("\n\n").unwrap();
    if headers.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.lines().collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap())
            .unwrap()
    } else {
        body.replace("=\n", "")
    }
}

/// A courier delivering to `url` for this test app's outbox.
fn courier_for(app: &crate::TestApp, url: &str) -> Courier {
    Courier::new(
        url,
        "Carnet <no-reply@carnet.test>",
        app.store.clone(),
        Arc::new(app.clock.clone()),
    )
    .unwrap()
}

#[tokio::test]
async fn e_mail_goes_out_over_smtp_from_the_outbox_and_sms_stays_there() {
    let (url, mut received) = smtp_sink().await;
    let wake = Arc::new(tokio::sync::Notify::new());
    let waking = wake.clone();
    let app = test_app_with(|state| {
        let outbox = Outbox::new(state.store.clone(), state.clock.clone()).waking(waking);
        state.with_messages(Arc::new(outbox))
    })
    .await;
    let courier = courier_for(&app, &url);

    let sent =
        post(&app.router, "/api/account/signup", signup_body("jeanne@example.fr"), None, &[]).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    // The outbox woke the courier (a permit `Courier::run` takes); the pass it runs then is run
    // here, so that what it recorded is there when the test looks (a spawned courier records
    // the delivery after the SMTP server has the message, which once made this test flaky).
    wake.notified().await;
    assert_eq!(courier.deliver_due().await.unwrap(), 1);
    let data = received.recv().await.expect("the SMTP server received a message");
    assert!(data.contains("To: jeanne@example.fr"), "{data}");
    assert!(data.contains("From: Carnet <no-reply@carnet.test>"), "{data}");
    assert!(data.contains("Subject: Votre code d'activation Carnet"), "{data}");
    let code = code_in(&body_text(&data)).expect("the code is in the e-mail");
    assert_eq!(verify(&app, &sent.body["challenge"], &code).await.status, StatusCode::OK);
    // Delivered: the outbox keeps that it was, not what it said.
    let kept = &app.store.outbox(10).await.unwrap()[0];
    assert!(kept.sent_at.is_some());
    assert_eq!(kept.body, "", "the code is not kept once delivered");

    // SMS have no provider yet: they stay in the outbox.
    let sms =
        post(&app.router, "/api/account/signup", signup_body("06 98 76 54 32"), None, &[]).await;
    assert_eq!(sms.status, StatusCode::ACCEPTED);
    let outbox = app.store.outbox(10).await.unwrap();
    assert_eq!((outbox[0].recipient.as_str(), outbox[0].sent_at), ("+33698765432", None));
    assert!(!outbox[0].body.is_empty());
    assert_eq!(courier.deliver_due().await.unwrap(), 0, "no provider sends an SMS yet");
}

#[tokio::test]
async fn an_unreachable_smtp_server_delays_no_answer_and_the_message_is_tried_again() {
    // A port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);
    let app = test_app_with(|state| state).await;
    let courier = courier_for(&app, &url);
    let accepted =
        post(&app.router, "/api/account/signup", signup_body("jeanne@example.fr"), None, &[]).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "the answer does not wait for the server");
    assert_eq!(courier.deliver_due().await.unwrap(), 0);
    let waiting = &app.store.outbox(1).await.unwrap()[0];
    assert_eq!((waiting.sent_at, waiting.attempts, waiting.failed), (None, 1, false));
    assert!(!waiting.body.is_empty(), "kept for the next try");
    // Not due again before its delay; then tried again.
    assert_eq!(courier.deliver_due().await.unwrap(), 0);
    assert_eq!(app.store.outbox(1).await.unwrap()[0].attempts, 1);
    app.clock.advance(31);
    assert_eq!(courier.deliver_due().await.unwrap(), 0);
    assert_eq!(app.store.outbox(1).await.unwrap()[0].attempts, 2);
    // Given up after the last try, and the body forgotten.
    for _ in 0..20 {
        app.clock.advance(3601);
        courier.deliver_due().await.unwrap();
    }
    let given_up = &app.store.outbox(1).await.unwrap()[0];
    assert_eq!((given_up.failed, given_up.attempts, given_up.body.as_str()), (true, 12, ""));
}
