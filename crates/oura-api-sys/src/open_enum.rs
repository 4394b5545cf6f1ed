//! The `open_enum!` macro behind every string enum of the generated types.
//!
//! Oura adds enum values between spec versions (a new webhook data type, new workout sources).
//! A closed Rust enum would fail a whole page on the first unknown value, so each enum of the
//! spec becomes one with an `Other(String)` variant that keeps the value as sent and serializes
//! it back unchanged.

/// Defines an enum over string values that keeps unknown values in `Other(String)`.
///
/// ```
/// oura_api_sys::open_enum! { Color { Red = "red", DarkBlue = "dark_blue", } }
///
/// let known: Color = serde_json::from_str(r#""dark_blue""#).unwrap();
/// assert_eq!(known, Color::DarkBlue);
/// let unknown: Color = serde_json::from_str(r#""teal""#).unwrap();
/// assert_eq!(unknown, Color::Other("teal".into()));
/// assert_eq!(serde_json::to_string(&unknown).unwrap(), r#""teal""#);
/// ```
#[macro_export]
macro_rules! open_enum {
    ($name:ident { $($variant:ident = $value:literal,)* }) => {
        #[doc = concat!("`", stringify!($name), "` values; unknown ones are kept in `Other`.")]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $value, "`")]
                $variant,
            )*
            /// A value this version of the spec does not list, kept as sent.
            Other(::std::string::String),
        }

        impl $name {
            /// Every value the spec lists.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value as Oura writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $value,)*
                    $name::Other(value) => value.as_str(),
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::string::String {
                stringify!($name).to_owned()
            }

            fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {
                // Any string: values beyond the listed ones are accepted on purpose.
                ::schemars::schema::SchemaObject {
                    instance_type: Some(::schemars::schema::InstanceType::String.into()),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}
