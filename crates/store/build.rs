//! Rebuilds this crate when a migration changes: `embed_migrations!` compiles the SQL in, and
//! without this Cargo would not notice an edited migration (diesel's documented build script).

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
