"""Pure metric functions: frames in, frames or numbers out; `as_of` is always passed in."""
