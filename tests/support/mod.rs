//! Test helpers shared by the black-box tests.

#![allow(dead_code)]

pub mod browser;
pub mod discord;
pub mod pg;
pub mod service;
