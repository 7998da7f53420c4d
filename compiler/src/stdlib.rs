//! Components shipped with the compiler (`stdlib/*.kdl`), embedded so that
//! diagnostics can point into them under the pseudo-path `<stdlib>/…`.

pub use crate::kinds::STDLIB_FILES as FILES;
