"""Probabilistic linkage with Splink (DuckDB backend, in memory, offline).

Input is one row per distinct *signature* (a contact's normalised name, number,
address, postcode, e-mail, handle): a repeat caller's hundred identical contacts are
compared once. Output is scored pairs at or above the clustering threshold; the
clustering itself (with the coordinator's overrides) is done by engage.identity.resolve.

The m/u values below are set by hand (docs/identity.md explains each); a force can
train its own with `engage resolve --train`, which saves a Splink model JSON that
`[identity] model_path` then points at.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

COLUMNS = ["unique_id", "first_name", "surname", "address", "postcode", "district", "phone", "shared_phone",
           "email", "handle"]


def _level(sql: str, label: str, m: float, u: float) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}


def _null(sql: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": "null", "is_null_level": True}


def _else(m: float, u: float) -> dict[str, Any]:
    return _level("ELSE", "all other", m, u)


def _jw(col: str, threshold: float) -> str:
    return f"jaro_winkler_similarity({col}_l, {col}_r) >= {threshold}"


def comparisons() -> list[dict[str, Any]]:
    """Splink comparisons with hand-set m (same person) and u (different people) values."""
    # First name and surname in one comparison: they are not independent (a household
    # shares a surname), and a handler may swap them ("SMITH John").
    fj, sj = _jw("first_name", 0.88), _jw("surname", 0.88)
    name = {
        "output_column_name": "name",
        "comparison_levels": [
            _null("(first_name_l IS NULL AND surname_l IS NULL) OR (first_name_r IS NULL AND surname_r IS NULL)"),
            _level("first_name_l = first_name_r AND surname_l = surname_r", "exact", 0.70, 5e-6),
            _level("first_name_l = surname_r AND surname_l = first_name_r", "swapped", 0.02, 1e-6),
            _level(f"surname_l = surname_r AND {fj}", "surname, similar first name", 0.10, 2e-5),
            _level(f"first_name_l = first_name_r AND {sj}", "first name, similar surname", 0.08, 2e-5),
            _level(f"{fj} AND {sj}", "both similar", 0.03, 1e-4),
            # "J Smith" against "John Smith": an initial agrees.
            _level("surname_l = surname_r AND (length(first_name_l) = 1 OR length(first_name_r) = 1) "
                   "AND substr(first_name_l, 1, 1) = substr(first_name_r, 1, 1)", "surname, initial", 0.05, 2e-5),
            _level("surname_l = surname_r AND (first_name_l IS NULL OR first_name_r IS NULL)",
                   "surname, first name missing", 0.02, 5e-4),
            _level("surname_l = surname_r", "surname only (a household)", 0.01, 0.005),
            _level(f"first_name_l = first_name_r AND {_jw('surname', 0.7)}", "first name, surname unlike", 0.01, 0.003),
            _level(sj, "similar surname only", 0.01, 0.002),
            _else(0.005, 0.99),
        ],
    }
    # Address and postcode are one comparison: they are not independent evidence.
    location = {
        "output_column_name": "location",
        "comparison_levels": [
            _null("(address_l IS NULL AND postcode_l IS NULL) OR (address_r IS NULL AND postcode_r IS NULL)"),
            _level("address_l = address_r AND (postcode_l = postcode_r OR postcode_l IS NULL OR postcode_r IS NULL)",
                   "same address", 0.55, 0.0005),
            _level("postcode_l = postcode_r AND " + _jw("address", 0.8), "same postcode, similar address", 0.15, 0.0002),
            _level(_jw("address", 0.9) + " AND (district_l = district_r OR district_l IS NULL OR district_r IS NULL)",
                   "similar address", 0.1, 0.001),
            _level("postcode_l = postcode_r", "same postcode", 0.08, 0.001),
            _level("district_l = district_r", "same district", 0.05, 0.02),
            _else(0.1, 0.978),
        ],
    }
    # `phone` is a number that is one caller; `shared_phone` a care home's or payphone's
    # number: the same resident giving the same name on it is still good evidence.
    phone = {
        "output_column_name": "phone",
        "comparison_levels": [
            _null("(phone_l IS NULL AND shared_phone_l IS NULL) OR (phone_r IS NULL AND shared_phone_r IS NULL)"),
            _level("phone_l = phone_r", "same number", 0.5, 0.00005),
            _level("shared_phone_l = shared_phone_r", "same shared number", 0.3, 0.0005),
            # People use more than one number: a different number is weak evidence.
            _else(0.5, 0.99995),
        ],
    }
    online = {
        "output_column_name": "online_id",
        "comparison_levels": [
            _null("(email_l IS NULL AND handle_l IS NULL) OR (email_r IS NULL AND handle_r IS NULL)"),
            _level("email_l = email_r OR handle_l = handle_r", "same e-mail or handle", 0.8, 0.0001),
            _else(0.2, 0.9999),
        ],
    }
    return [name, location, phone, online]


def blocking_rules() -> list[str]:
    """Which pairs are compared at all: candidates must agree on one of these keys."""
    return [
        "l.surname = r.surname AND l.postcode = r.postcode",
        "l.first_name = r.first_name AND l.surname = r.surname",
        "l.first_name = r.first_name AND l.postcode = r.postcode",
        "l.address = r.address AND l.district = r.district",
        "l.postcode = r.postcode AND substr(l.address, 1, 6) = substr(r.address, 1, 6)",
        "l.first_name = r.surname AND l.surname = r.first_name",
        "l.shared_phone = r.shared_phone AND l.surname = r.surname",
        "l.shared_phone = r.shared_phone AND l.first_name = r.first_name",
        "l.email = r.email",
        "l.handle = r.handle",
    ]


def settings(probability_two_random_records_match: float) -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": probability_two_random_records_match,
        "comparisons": comparisons(),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": r} for r in blocking_rules()],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
    }


def _linker(con: duckdb.DuckDBPyConnection, model: dict[str, Any] | str | Path):
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(con)
    table = db_api.register("signatures")
    return Linker(table, model, log_level=None)


def _load(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    con.register("signatures_frame", frame)
    con.execute("CREATE OR REPLACE TABLE signatures AS SELECT * FROM signatures_frame")
    con.unregister("signatures_frame")


def predict_edges(frame: pd.DataFrame, threshold: float, prior: float, model_path: str = "") -> list[tuple[int, int, float]]:
    """Scored pairs (unique_id_l, unique_id_r, match_probability) at or above `threshold`."""
    if len(frame) < 2:
        return []
    logging.getLogger("splink").setLevel(logging.WARNING)
    con = duckdb.connect()
    try:
        _load(con, frame[COLUMNS])
        model: dict[str, Any] | str = model_path if model_path and Path(model_path).exists() else settings(prior)
        linker = _linker(con, model)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        rows = con.execute(
            f"SELECT unique_id_l, unique_id_r, match_probability FROM {predictions.physical_name} "
            "ORDER BY match_probability DESC, unique_id_l, unique_id_r"
        ).fetchall()
        return [(int(a), int(b), float(p)) for a, b, p in rows]
    finally:
        con.close()


def train(frame: pd.DataFrame, prior: float, out_path: str, seed: int = 7) -> str:
    """Estimate u by random sampling and m by EM on this data; save the model JSON."""
    logging.getLogger("splink").setLevel(logging.WARNING)
    con = duckdb.connect()
    try:
        _load(con, frame[COLUMNS])
        linker = _linker(con, settings(prior))
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
        # Each EM session fixes the comparisons its blocking rule uses; two sessions
        # between them estimate m for every comparison.
        for rule in ("l.surname = r.surname AND l.postcode = r.postcode", "l.phone = r.phone"):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        linker.misc.save_model_to_json(out_path, overwrite=True)
        return out_path
    finally:
        con.close()
