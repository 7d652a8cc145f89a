//! The product catalogue: text and static attributes per product.

use chrono::NaiveDate;

/// One row per product: an id, free text (title, description), static
/// attributes, and an optional planned launch (date and price) for products
/// without history. Text is carried through for the text-aware models.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Product ids (match the panel's `unique_id`, or an attribute of it).
    pub ids: Vec<String>,
    /// Free text per product (title and description joined), may be empty.
    pub text: Vec<String>,
    /// Static attributes (category, department, store...): name and one value per product.
    pub attributes: Vec<(String, Vec<String>)>,
    /// Planned launch date per product, if given.
    pub launch_date: Vec<Option<NaiveDate>>,
    /// Planned launch price per product, if given.
    pub launch_price: Vec<Option<f64>>,
}

impl Catalog {
    /// Number of products.
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    /// Whether the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    /// Position of a product.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|x| x == id)
    }
    /// An attribute's values by name.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}
