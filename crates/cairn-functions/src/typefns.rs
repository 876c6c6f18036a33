//! typefns functions.

use crate::Registry;

pub(crate) fn register(_r: &mut Registry) {}
