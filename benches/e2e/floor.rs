//! The end-to-end floor: the least a serenity bot can do for an interaction, measured exactly like
//! `partnerfit run`'s `/screen`. The bench binary starts itself again as this bot (when [`PROXY_ENV`] is
//! set), so the floor is built in release with the same serenity version and features as the real bot, set up
//! the same way (the REST client of [`partnerfit::discord::preflight::rest`]: the proxy with serenity's
//! rate limiter off; the same gateway intents; serenity's default cache; a multi-threaded tokio runtime as
//! `#[tokio::main]` builds), and runs as its own process. It answers every slash command with one fixed
//! message (a type 4 callback): no database, no command table, no card, no log line. What the real bot
//! takes beyond it is what partnerfit itself costs per interaction.

use serenity::all::{
    ClientBuilder, Context, CreateInteractionResponse, CreateInteractionResponseMessage,
    EventHandler, Interaction,
};

/// Set to the fake Discord's base URL, the bench binary runs as the floor bot instead of the bench.
pub const PROXY_ENV: &str = "PARTNERFIT_E2E_FLOOR_PROXY";

/// The floor's one reply.
pub const REPLY: &str = "floor";

struct Floor;

#[serenity::async_trait]
impl EventHandler for Floor {
    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        if let Interaction::Command(cmd) = interaction {
            let reply = CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new().content(REPLY),
            );
            if let Err(e) = cmd.create_response(&ctx.http, reply).await {
                eprintln!("floor: could not reply: {e}");
            }
        }
    }
}

/// Run the floor bot against the Discord at `proxy` (token from `DISCORD_TOKEN`) until it is killed.
pub fn run(proxy: &str) -> anyhow::Result<()> {
    let token = std::env::var("DISCORD_TOKEN").unwrap_or_default();
    // What `#[tokio::main]` builds for `partnerfit run`.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let http = partnerfit::discord::preflight::rest(&token, Some(proxy));
        let mut client = ClientBuilder::new_with_http(http, partnerfit::discord::intents(false))
            .event_handler(Floor)
            .await?;
        client.start().await?;
        anyhow::Ok(())
    })
}
