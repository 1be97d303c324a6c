//! The `luffy` subcommands other than `serve`: migrate, seed, keys.

pub mod demo_images;
pub mod keys;
pub mod migrate;
pub mod seed;
