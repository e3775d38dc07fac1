//! Rebuild when a migration changes: `sqlx::migrate!` embeds `migrations/` into the binary at compile time,
//! and cargo would not otherwise notice a new or edited SQL file (sqlx's documented build script).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
