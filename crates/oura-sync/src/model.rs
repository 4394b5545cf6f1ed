//! What the collection table (`oura_api_sys::catalog`, through the facade) says about a
//! collection's documents.

use crate::Collection;

/// The fields of the collection's model, in spec order (the CSV columns).
pub(crate) fn fields(collection: &Collection) -> Vec<&'static str> {
    collection.fields.iter().map(|field| field.name).collect()
}
