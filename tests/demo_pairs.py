"""Pairs that data/demo/README.md documents, shared by the tests."""

# data/demo/README.md: seeker, offerer (first seek item meets first offer item).
COMPLEMENTS = [
    ("nl-voedselhulp-domstad", "en-polar-route-logistics"),
    ("en-lowlands-tech-university", "nl-gemeente-westerhaven"),
    ("nl-cardiosense", "en-northbridge-clinical-research"),
    ("nl-energiecooperatie-zonnedelta", "nl-woonstichting-de-linde"),
    ("en-new-roots-employment", "en-hartwell-construction"),
    ("nl-waterschap-lage-landen", "en-fieldpulse-iot"),
    ("nl-textielkringloop-brabant", "nl-brugfonds-impact"),
    ("en-golden-vale-farmers", "en-hedgerow-ecology-institute"),
    ("nl-zorggroep-het-anker", "nl-hogeschool-ijsselland"),
    ("en-codebridge-schools", "nl-bitwerf-software"),
    ("nl-vervoerregio-amstelgouw", "nl-wielwijs-deelmobiliteit"),
    ("en-harrowmere-city-council", "en-warmhouse-retrofit"),
]
TWINS = [
    ("nl-repaircafes-heelmakers", "en-mend-it-repair-cafes"),
    ("nl-goedemorgen-buur", "en-good-morning-neighbour"),
    ("nl-fietsschool-trapvast", "en-freewheel-cycling-school"),
    ("nl-tegels-eruit", "en-tiles-out-gardens"),
    ("nl-iedereen-sport-oost", "en-sport-for-everyone-wales"),
    ("nl-schuldvrij-jong", "en-debt-free-youth"),
    ("nl-kenniscentrum-antibioticaresistentie", "en-amr-stewardship-institute"),
]
