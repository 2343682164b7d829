"""What explanations say, in Dutch and English. Evidence is always quoted as written."""

from __future__ import annotations

LANGUAGES = ("en", "nl")

FACETS = {
    "en": {
        "name": "name",
        "mission": "mission",
        "vision": "vision",
        "culture": "culture",
        "mindset": "mindset",
        "goals": "goals",
        "target_groups": "target groups",
        "interests": "interests",
        "offers": "offers",
        "seeks": "seeks",
        "red_lines": "red lines",
        "description": "description",
    },
    "nl": {
        "name": "naam",
        "mission": "missie",
        "vision": "visie",
        "culture": "cultuur",
        "mindset": "mindset",
        "goals": "doelen",
        "target_groups": "doelgroepen",
        "interests": "belangen",
        "offers": "biedt",
        "seeks": "zoekt",
        "red_lines": "rode lijnen",
        "description": "beschrijving",
    },
}

SECTORS = {
    "en": {},
    "nl": {
        "tobacco": "tabak",
        "alcohol": "alcohol",
        "gambling": "gokken",
        "weapons": "wapens",
        "fossil fuels": "fossiele brandstoffen",
        "fast fashion": "fast fashion",
        "payday lending": "flitskredieten",
        "surveillance": "surveillance",
        "pesticides": "bestrijdingsmiddelen",
        "junk food": "ongezonde voeding",
        "selling personal data": "verkoop van persoonsgegevens",
    },
}

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "overlap_vision": "Shared vision: you both pursue this aim",
        "overlap_goals": "Shared goal or interest",
        "overlap_target_groups": "Same target group",
        "overlap_values": "Shared values and way of working",
        "they_offer_we_seek": "They offer what you seek",
        "we_offer_they_seek": "You offer what they seek",
        "our_red_line": "Their business ({sector}) crosses your red line",
        "their_red_line": "Your business ({sector}) crosses their red line",
        "competition_offer": "Competing interests: you both offer this to the same target group"
        " in {country}",
        "competition_funds": "Competing interests: you both seek this funding in {country}",
        "values": "Values pull opposite ways ({axis})",
        "axis_openness": "open or closed",
        "axis_pace": "fast or careful",
        "axis_hierarchy": "top-down or self-organising",
        "axis_profit": "profit or social return",
        "strategic": "Strategic (more effective)",
        "business_economic": "Business-economic (more efficient)",
        "target_group": "extra value for the target group",
        "products": "stronger products or services",
        "stakeholders": "serves stakeholders",
        "core_focus": "keeps the focus on the core business",
        "revenue": "more revenue for the same effort",
        "quality": "higher quality at the same cost",
        "costs": "lower costs in money, time or resources",
        "return": "more financial or social return",
        "group_vision": "vision and mission",
        "group_culture": "culture and mindset",
        "group_goals": "goals, interests and target groups",
        "group_profile": "the profile as a whole",
        "group_complementarity": "what you offer and seek",
        "group_red_lines": "red lines",
        "group_network": "shared partners and partners of organisations like you",
        "group_popularity": "experience with partnerships",
        "group_kind_place": "kind of organisation and location",
        "strong_on": "strong match on {groups}",
        "closest_on": "closest on {groups}",
        "weaker_on": "weaker on {groups}",
        "they_offer": "they offer what you seek ({offer})",
        "we_offer": "they seek what you offer ({seek})",
        "no_shared": "no shared partners yet",
        "shared": "{n} shared partners",
        "shared_one": "1 shared partner",
        "past_partner": "you have worked together before",
        "crosses": "crosses a red line: {line}",
        "and": "and",
        "accept": "Accept: a good fit for your strategy",
        "explore": "Explore: worth a conversation, check the points below",
        "explore_batch": "Explore: worth a conversation",
        "decline": "Decline",
        "verdict_red_line": "Decline: it crosses your red line \u201c{line}\u201d",
        "verdict_their_red_line": "Decline: your work crosses their red line \u201c{line}\u201d",
        "verdict_poor_fit": "Decline: little in common with your strategy",
        "would_rank": "It would rank {rank} of {total} candidates for your strategy",
        "no_overlap": "No shared aims or complementary needs found in the two profiles",
        "competition_caution": "Competing interests to talk through first",
        "h_why": "Why",
        "h_overlapping": "Overlapping interests",
        "h_complementary": "Complementary interests",
        "h_conflicting": "Conflicting interests",
        "h_value": "Added value",
        "h_score": "Score against a typical candidate (points)",
        "you": "you",
        "they": "they",
        "cause": "cause",
        "cause_red_line": "red line",
        "cause_competition": "competition",
        "cause_values": "values",
    },
    "nl": {
        "overlap_vision": "Gedeelde visie: u streeft allebei dit doel na",
        "overlap_goals": "Gemeenschappelijk doel of belang",
        "overlap_target_groups": "Dezelfde doelgroep",
        "overlap_values": "Gedeelde waarden en werkwijze",
        "they_offer_we_seek": "Zij bieden wat u zoekt",
        "we_offer_they_seek": "U biedt wat zij zoeken",
        "our_red_line": "Hun activiteiten ({sector}) raken uw rode lijn",
        "their_red_line": "Uw activiteiten ({sector}) raken hun rode lijn",
        "competition_offer": "Tegenstrijdige belangen: u biedt dit allebei aan dezelfde doelgroep"
        " in {country}",
        "competition_funds": "Tegenstrijdige belangen: u zoekt allebei deze financiering"
        " in {country}",
        "values": "Waarden die tegen elkaar in werken ({axis})",
        "axis_openness": "open of gesloten",
        "axis_pace": "snel of zorgvuldig",
        "axis_hierarchy": "hiërarchisch of zelfsturend",
        "axis_profit": "winst of maatschappelijk rendement",
        "strategic": "Strategisch (effectiever)",
        "business_economic": "Bedrijfseconomisch (efficiënter)",
        "target_group": "extra waarde voor de doelgroep",
        "products": "sterkere producten of diensten",
        "stakeholders": "bedient stakeholders",
        "core_focus": "houdt de focus op de kernactiviteiten",
        "revenue": "meer opbrengst met dezelfde inspanning",
        "quality": "hogere kwaliteit tegen dezelfde kosten",
        "costs": "lagere kosten in geld, tijd of middelen",
        "return": "meer financieel of maatschappelijk rendement",
        "group_vision": "visie en missie",
        "group_culture": "cultuur en mindset",
        "group_goals": "doelen, belangen en doelgroepen",
        "group_profile": "het profiel als geheel",
        "group_complementarity": "wat u biedt en zoekt",
        "group_red_lines": "rode lijnen",
        "group_network": "gedeelde partners en partners van organisaties zoals u",
        "group_popularity": "ervaring met samenwerken",
        "group_kind_place": "soort organisatie en vestigingsplaats",
        "strong_on": "sterke match op {groups}",
        "closest_on": "de meeste overeenkomst op {groups}",
        "weaker_on": "zwakker op {groups}",
        "they_offer": "zij bieden wat u zoekt ({offer})",
        "we_offer": "zij zoeken wat u biedt ({seek})",
        "no_shared": "nog geen gedeelde partners",
        "shared": "{n} gedeelde partners",
        "shared_one": "1 gedeelde partner",
        "past_partner": "u hebt al eerder samengewerkt",
        "crosses": "raakt een rode lijn: {line}",
        "and": "en",
        "accept": "Accepteren: past goed bij uw strategie",
        "explore": "Verkennen: een gesprek waard, let op de punten hieronder",
        "explore_batch": "Verkennen: een gesprek waard",
        "decline": "Afwijzen",
        "verdict_red_line": "Afwijzen: dit raakt uw rode lijn \u201c{line}\u201d",
        "verdict_their_red_line": "Afwijzen: uw werk raakt hun rode lijn \u201c{line}\u201d",
        "verdict_poor_fit": "Afwijzen: weinig gemeen met uw strategie",
        "would_rank": "Dit zou op plaats {rank} van {total} kandidaten voor uw strategie staan",
        "no_overlap": "Geen gedeelde doelen of aanvullende behoeften gevonden in de twee profielen",
        "competition_caution": "Eerst tegenstrijdige belangen bespreken",
        "h_why": "Waarom",
        "h_overlapping": "Overeenkomstige belangen",
        "h_complementary": "Complementaire belangen",
        "h_conflicting": "Tegenstrijdige belangen",
        "h_value": "Toegevoegde waarde",
        "h_score": "Score ten opzichte van een doorsnee kandidaat (punten)",
        "you": "u",
        "they": "zij",
        "cause": "oorzaak",
        "cause_red_line": "rode lijn",
        "cause_competition": "concurrentie",
        "cause_values": "waarden",
    },
}


def say(lang: str, key: str, **values: object) -> str:
    """The phrase ``key`` in ``lang`` (English when unknown), filled in with ``values``."""
    table = PHRASES.get(lang, PHRASES["en"])
    return table[key].format(**values)


def facet_name(lang: str, facet: str) -> str:
    return FACETS.get(lang, FACETS["en"]).get(facet, facet)


def sector_name(lang: str, sector: str) -> str:
    return SECTORS.get(lang, {}).get(sector, sector)


def join(lang: str, parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {say(lang, 'and')} " + parts[-1]


def resolve_lang(lang: str | None, profile_language: str | None) -> str:
    """The explanation's language: as asked, else the asking profile's, else English."""
    for candidate in (lang, profile_language):
        if candidate in LANGUAGES:
            return candidate
    return "en"
