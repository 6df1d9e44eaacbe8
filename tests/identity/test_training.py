"""`engage resolve --train` estimates the Splink model from the force's data and saves it."""
import json

import pytest
from django.core.management import call_command

from engage.identity import testdata
from engage.identity.evaluation import pairwise_scores
from engage.identity.resolve import resolve_full

from .conftest import add_rows

pytestmark = [pytest.mark.django_db]


def test_train_saves_a_model_that_resolution_uses(tmp_path, force_config):
    rows = testdata.contacts(testdata.people(300, seed=5), seed=5)
    ids = add_rows(rows)
    model = tmp_path / "model.json"
    call_command("resolve", train=str(model))
    saved = json.loads(model.read_text())
    assert {c["output_column_name"] for c in saved["comparisons"]} >= {"name", "location", "phone"}
    force_config(f'[identity]\nmodel_path = "{model}"\n')
    resolve_full()
    from engage.contacts.models import Contact

    caller_of = dict(Contact.objects.values_list("pk", "caller_id"))
    scores = pairwise_scores(caller_of, {ids[r.key]: r.person_id for r in rows})
    print(scores)
    # Trained on only 300 people EM under-links (measured F1 0.84, precision 1.0; the
    # hand-set values give 0.99 here): the model is used and is sane, not better.
    assert scores["precision"] >= 0.99 and scores["f1"] >= 0.8
