//! Rows in the real rows' order, end to end on the bundled shop: its orders come in date order
//! (not grouped by customer, as they are generated), every customer's orders mixed, and the
//! shipments, made after the orders are put in order, follow them and still point at the
//! order they ship.

mod common;

use std::collections::HashMap;

use common::{Csv, example, run_model};
use dxsynth::model::ModelKind;

#[test]
fn the_shops_orders_come_in_date_order_and_their_shipments_follow_them() {
    let out = tempfile::tempdir().expect("temp dir");
    let schema = example("schemas/shop.yaml");
    run_model(&schema, out.path(), 7, ModelKind::Learned);
    common::assert_intact(&schema, out.path());
    let orders = Csv::read(&out.path().join("orders.csv"));
    let dates = orders.column("order_date");
    assert!(
        dates.windows(2).all(|w| w[0] <= w[1]),
        "orders out of date order"
    );
    let customers = orders.column("customer_id");
    let same = customers.windows(2).filter(|w| w[0] == w[1]).count();
    assert!(
        (same as f64) < 0.1 * customers.len() as f64,
        "{same} of {} neighbouring orders share a customer",
        customers.len()
    );
    let date_of: HashMap<&str, &str> = orders.column("order_id").into_iter().zip(dates).collect();
    let shipments = Csv::read(&out.path().join("shipments.csv"));
    let shipped = shipments.column("order_id");
    let numbers = common::numbers(&shipped);
    assert!(
        numbers.windows(2).all(|w| w[0] <= w[1]),
        "shipments not in their orders' order"
    );
    for (order, at) in shipped.iter().zip(shipments.column("shipped_at")) {
        let ordered = date_of[order];
        assert!(at >= ordered, "order {order} of {ordered} shipped at {at}");
    }
}
