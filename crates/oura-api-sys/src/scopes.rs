//! Which OAuth scope each data route needs: one hand-written table.
//!
//! The OpenAPI description lists no scopes per operation (every operation names only its
//! security schemes), so this table is kept by hand from Oura's authentication documentation
//! and from what users of Oura clients reported. Each row says how sure it is
//! ([`Evidence`]); change a row here and every crate that maps scopes to routes (the
//! emulator, and later the facade and the CLI) follows.

/// How a row of [`ROUTE_SCOPES`] is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// Oura's authentication documentation says so.
    Documented,
    /// Not documented; reported by users of Oura clients as needed in practice.
    Reported,
    /// Neither documented nor reported: the closest documented scope, a guess.
    Guessed,
}

/// One route and the scope a token needs to read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouteScope {
    /// The route under `/v2/usercollection/` (`"daily_sleep"`, `"vO2_max"`, `"personal_info"`).
    pub route: &'static str,
    /// The scope, as the legacy authorization server spells it (no `extapi:` prefix).
    pub scope: &'static str,
    /// How this row is known.
    pub evidence: Evidence,
}

/// Every scope Oura's legacy authorization server knows, in its documentation's order, then
/// the reported ones.
pub static SCOPES: &[&str] = &[
    "email",
    "personal",
    "daily",
    "heartrate",
    "workout",
    "tag",
    "session",
    "spo2",
    "heart_health",
    "stress",
    "ring_configuration",
];

const fn row(route: &'static str, scope: &'static str, evidence: Evidence) -> RouteScope {
    RouteScope { route, scope, evidence }
}

/// The scope each data route needs, one row per route of `/v2/usercollection/` (the sandbox
/// needs no token and so no scope).
pub static ROUTE_SCOPES: &[RouteScope] = &[
    row("daily_activity", "daily", Evidence::Documented),
    row("daily_cardiovascular_age", "heart_health", Evidence::Reported),
    row("daily_readiness", "daily", Evidence::Documented),
    row("daily_resilience", "stress", Evidence::Reported),
    row("daily_sleep", "daily", Evidence::Documented),
    row("daily_spo2", "spo2", Evidence::Documented),
    row("daily_stress", "stress", Evidence::Reported),
    row("enhanced_tag", "tag", Evidence::Guessed),
    row("heartrate", "heartrate", Evidence::Documented),
    row("personal_info", "personal", Evidence::Documented),
    row("rest_mode_period", "daily", Evidence::Guessed),
    row("ring_battery_level", "heartrate", Evidence::Guessed),
    row("ring_configuration", "ring_configuration", Evidence::Reported),
    row("session", "session", Evidence::Documented),
    row("sleep", "daily", Evidence::Documented),
    row("sleep_time", "daily", Evidence::Guessed),
    row("tag", "tag", Evidence::Documented),
    row("vO2_max", "heart_health", Evidence::Reported),
    row("workout", "workout", Evidence::Documented),
];

/// The row of `route` (exact spelling, `vO2_max` included).
pub fn scope_of(route: &str) -> Option<&'static RouteScope> {
    ROUTE_SCOPES.iter().find(|row| row.route == route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_a_known_scope_once_per_route() {
        for (index, row) in ROUTE_SCOPES.iter().enumerate() {
            assert!(
                SCOPES.contains(&row.scope),
                "{} needs unknown scope {}",
                row.route,
                row.scope
            );
            assert!(
                ROUTE_SCOPES[..index].iter().all(|earlier| earlier.route != row.route),
                "{} has two rows",
                row.route
            );
        }
        assert_eq!(scope_of("vO2_max").map(|r| r.scope), Some("heart_health"));
        assert_eq!(scope_of("heartrate").map(|r| r.evidence), Some(Evidence::Documented));
        assert_eq!(scope_of("vo2_max"), None, "routes are case-sensitive");
    }

    #[test]
    fn every_route_of_the_catalog_has_a_row_and_no_row_is_extra() {
        let mut routes: Vec<&str> = crate::catalog::COLLECTIONS.iter().map(|c| c.route).collect();
        routes.push("personal_info");
        for route in &routes {
            assert!(scope_of(route).is_some(), "the spec's route {route} has no scope row");
        }
        for row in ROUTE_SCOPES {
            assert!(routes.contains(&row.route), "{} is not a route of the spec", row.route);
        }
        assert_eq!(ROUTE_SCOPES.len(), routes.len());
    }
}
