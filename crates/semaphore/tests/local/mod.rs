//! Helpers only semaphore's tests use.
#![allow(dead_code)] // each test file uses its own part of these

pub mod burst;
