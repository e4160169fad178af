"""The words ATMP pharmacy uses for the same thing: abbreviations, spellings and plain-English names.

Search expands a query with these (guidance.search.terms): each group is one concept, and a
query naming any member of a group finds documents that use any other. The same expansion
serves PostgreSQL's full-text search and the SQLite fallback, so both find the same documents.
Hyphens and spaces are the same to the matcher ("CAR-T" = "CAR T"); matching is case-blind.
Keep groups to true equivalents: a broader word ("cell therapy" for CAR-T) belongs in neither.
"""

from __future__ import annotations

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("LN2", "liquid nitrogen"),
    ("CAR-T", "CART", "chimeric antigen receptor"),
    ("GMO", "genetically modified", "genetically modified organism", "genetic modification"),
    ("GMSC", "genetic modification safety committee"),
    ("IMP", "investigational medicinal product", "investigational product"),
    ("ATIMP", "advanced therapy investigational medicinal product"),
    ("ATMP", "advanced therapy medicinal product"),
    ("TEP", "tissue engineered", "tissue-engineered product"),
    ("cryo", "cryopreserved", "cryopreservation", "cryogenic", "frozen"),
    ("thaw", "defrost", "thawing"),
    ("spill", "spillage", "leak", "breakage"),
    ("OOS", "out of specification"),
    ("PPE", "personal protective equipment", "protective equipment"),
    ("CRS", "cytokine release syndrome"),
    ("ICANS", "immune effector cell associated neurotoxicity syndrome", "neurotoxicity"),
    ("COI", "chain of identity"),
    ("COC", "chain of custody"),
    ("dry shipper", "dewar", "cryoshipper", "shipper"),
    ("apheresis", "leukapheresis"),
    ("vapour phase", "vapor phase"),
    ("out of hours", "on call", "on-call", "night", "weekend", "overnight"),
    ("alarm", "alert", "alarms"),
    ("tank", "dewar", "freezer"),
    ("lab", "laboratory"),
    ("waste", "disposal", "dispose", "destroy", "destruction"),
    ("outsource", "out-sourcing", "outsourcing", "outsourced", "contract"),
    ("abroad", "outside the UK", "overseas", "export", "exporting"),
    ("SOP", "standard operating procedure"),
    ("HSE", "health and safety executive"),
    ("HTA", "human tissue authority"),
    ("MHRA", "medicines and healthcare products regulatory agency"),
    ("QP", "qualified person"),
    ("AAV", "adeno-associated virus", "viral vector", "vector"),
    ("tocilizumab", "RoActemra"),
    ("cost", "costing", "charges", "tariff", "price"),
    ("stem cell lab", "cell therapy laboratory", "stem cell laboratory", "cell laboratory"),
    ("transport", "moving", "move", "carry"),
)
