"""Which region a question names (api/answering/places.py), from the names users give regions."""

from __future__ import annotations

from api.answering.followup_terms import region_aliases
from api.answering.places import PlaceScope

ALIASES = region_aliases({("achterhoek", "Sociaal Domein Achterhoek"),
                          ("drechtsteden", "Sociale Dienst Drechtsteden (SDD)"), ("de-fryske-marren", "")})
SCOPE = PlaceScope({**ALIASES, "achterhoek": [*ALIASES["achterhoek"], "Doetinchem", "Winterswijk"]})


def test_a_region_is_named_by_its_name_publisher_short_form_or_place() -> None:
    assert SCOPE.region_of("Hoe werkt de indexering in de Achterhoek?") == "achterhoek"
    assert SCOPE.region_of("Wat zegt het SDD over de tarieven?") == "drechtsteden"
    assert SCOPE.region_of("geldt dit ook in de fryske marren") == "de-fryske-marren"
    assert SCOPE.region_of("Wij zijn aanbieder in Doetinchem, hoe declareren we?") == "achterhoek"
    assert SCOPE.region_of("Achterhoekse gemeenten en de 305?") == "achterhoek"


def test_no_region_or_two_regions_name_none() -> None:
    assert SCOPE.region_of("Welk bericht stuur ik als de zorg start?") is None
    assert SCOPE.region_of("Verschil tussen de Achterhoek en de Drechtsteden?") is None
    # a place inside another word is no mention
    assert SCOPE.region_of("Doetinchemmer regels?") is None
