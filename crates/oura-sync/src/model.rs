//! What the collection table says about a collection's documents: the seam to
//! `oura_api_sys::catalog`.

use crate::Collection;

/// The fields of the collection's model, in spec order (the CSV columns).
pub(crate) fn fields(collection: &Collection) -> Vec<&'static str> {
    // Until the generated catalog lands, no model is known: every field goes to the trailing
    // column.
    let _ = collection;
    Vec::new()
}
