"""Linkage quality figures on a tiny hand-made truth."""
import pytest

from engage.identity.evaluation import linkage_quality, pairwise_scores
from engage.identity.models import Caller

from .conftest import add_contact

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_pairwise_scores_by_hand():
    # Truth: A = {1,2,3}, B = {4,5}. Predicted: {1,2}, {3,4,5}.
    truth = {1: "A", 2: "A", 3: "A", 4: "B", 5: "B"}
    predicted = {1: "x", 2: "x", 3: "y", 4: "y", 5: "y"}
    s = pairwise_scores(predicted, truth)
    # true pairs: 3 + 1 = 4; predicted pairs: 1 + 3 = 4; true positives: (1,2) and (4,5) = 2.
    assert (s["true_pairs"], s["predicted_pairs"], s["true_positive_pairs"]) == (4, 4, 2)
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(0.5) and s["f1"] == pytest.approx(0.5)


def test_unresolved_contacts_link_to_nothing():
    s = pairwise_scores({1: None, 2: None, 3: 7}, {1: "A", 2: "A", 3: "B"})
    assert (s["true_pairs"], s["predicted_pairs"], s["true_positive_pairs"]) == (1, 0, 0)
    assert s["precision"] == 1.0 and s["recall"] == 0.0 and s["f1"] == 0.0


def test_linkage_quality_from_truth_csv(tmp_path):
    x, y = Caller.objects.create(), Caller.objects.create()
    contacts = [add_contact("07700 900950", key=f"C{i}", caller=caller) for i, caller in enumerate([x, x, y, y, y])]
    truth = tmp_path / "truth.csv"
    lines = ["source,source_key,person_id,person_kind"]
    # Person P1 (vulnerable) made C0, C1, C2; P2 (ordinary) made C3, C4. C2 is wrongly on y.
    lines += [f"cc,C{i},{p},{k}" for i, (p, k) in enumerate([("P1", "vulnerable")] * 3 + [("P2", "ordinary")] * 2)]
    add_contact("Withheld", key="C5")  # P1 again, withheld and no name: unlinkable
    lines.append("cc,C5,P1,vulnerable")
    lines.append("calls,NOT-IMPORTED,P9,ordinary")
    truth.write_text("\n".join(lines) + "\n")
    q = linkage_quality(truth)
    # true pairs 6 (P1: 4 contacts) + 1 = 7; predicted 1 + 3 = 4; true positives (C0,C1) + (C3,C4) = 2
    assert q["precision"] == pytest.approx(0.5) and q["recall"] == pytest.approx(2 / 7)
    # Without the unlinkable C5: 4 true pairs, 2 found; C5 caps recall at 4/7.
    assert q["recall_identifiable"] == pytest.approx(0.5) and q["recall_ceiling"] == pytest.approx(4 / 7)
    assert q["split_repeat_callers"] == 1 and q["repeat_callers"] == 1
    assert q["repeat_callers_with_unresolved_contacts"] == 1 and q["unresolved_contacts"] == 1
    assert q["rows_matched"] == 6 and q["truth_rows"] == 7 and len(contacts) == 5


def test_truth_file_missing_columns_is_a_clear_error(tmp_path):
    bad = tmp_path / "truth.csv"
    bad.write_text("source,key\ncc,1\n")
    with pytest.raises(ValueError, match="missing column"):
        linkage_quality(bad)
