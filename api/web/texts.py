"""Every word of the web pages, in Dutch and English.

The explanations themselves come in the asked language from
:mod:`matcher.phrases`; this module holds the pages' own words.
"""

from __future__ import annotations

LANGUAGES = ("nl", "en")

TEXTS: dict[str, dict[str, str]] = {
    # Navigation and layout
    "app_tagline": {
        "nl": "Vind partners waar je echt mee klikt",
        "en": "Find partners you really click with",
    },
    "nav_partners": {"nl": "Partners zoeken", "en": "Find partners"},
    "nav_screen": {"nl": "Verzoek beoordelen", "en": "Screen a request"},
    "nav_lists": {"nl": "Lijst rangschikken", "en": "Rank a list"},
    "nav_profiles": {"nl": "Ons profiel", "en": "Our profile"},
    "nav_signout": {"nl": "Afmelden", "en": "Sign out"},
    "workspace": {"nl": "Werkruimte", "en": "Workspace"},
    "switch_language": {"nl": "In English", "en": "In het Nederlands"},
    "skip_to_content": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "back": {"nl": "Terug", "en": "Back"},
    # Sign in
    "signin_title": {"nl": "Aanmelden", "en": "Sign in"},
    "signin_intro": {
        "nl": "Meld je aan met de sleutel van je werkruimte. Je beheerder maakt die aan met "
        "'klik keys create'.",
        "en": "Sign in with your workspace key. Your administrator creates one with "
        "'klik keys create'.",
    },
    "signin_key": {"nl": "Werkruimtesleutel", "en": "Workspace key"},
    "signin_submit": {"nl": "Aanmelden", "en": "Sign in"},
    "signin_empty": {"nl": "Vul je werkruimtesleutel in.", "en": "Enter your workspace key."},
    "signin_wrong": {
        "nl": "Deze sleutel kennen we niet, of hij is ingetrokken. Controleer hem of vraag je "
        "beheerder om een nieuwe.",
        "en": "We don't know this key, or it has been revoked. Check it or ask your "
        "administrator for a new one.",
    },
    "signin_expired": {
        "nl": "Je sleutel is ingetrokken of verlopen. Meld je opnieuw aan met een geldige sleutel.",
        "en": "Your key has been revoked or has expired. Sign in again with a valid key.",
    },
    "signin_needed": {
        "nl": "Meld je eerst aan.",
        "en": "Please sign in first.",
    },
    "signed_out": {"nl": "Je bent afgemeld.", "en": "You are signed out."},
    # Profiles
    "profiles_title": {"nl": "Onze profielen", "en": "Our profiles"},
    "profiles_intro": {
        "nl": "Een profiel beschrijft je organisatie: missie, visie, cultuur, mindset, doelen, "
        "wat je biedt en zoekt, en je rode lijnen. Klik zoekt partners die daarbij passen.",
        "en": "A profile describes your organisation: mission, vision, culture, mindset, goals, "
        "what you offer and seek, and your red lines. Klik looks for partners that fit it.",
    },
    "profiles_none": {
        "nl": "Je werkruimte heeft nog geen profiel. Maak er eerst een.",
        "en": "Your workspace has no profile yet. Create one first.",
    },
    "profile_new": {"nl": "Nieuw profiel", "en": "New profile"},
    "profile_edit": {"nl": "Bewerken", "en": "Edit"},
    "profile_edit_title": {"nl": "Profiel bewerken", "en": "Edit profile"},
    "profile_save": {"nl": "Profiel opslaan", "en": "Save profile"},
    "profile_saved": {"nl": "Profiel opgeslagen.", "en": "Profile saved."},
    "profile_fix": {
        "nl": "Het profiel is niet opgeslagen. Verbeter de gemarkeerde velden.",
        "en": "The profile was not saved. Please correct the marked fields.",
    },
    "profile_empty": {
        "nl": "Vertel iets over je organisatie: vul ten minste de missie, visie, beschrijving "
        "of doelen in.",
        "en": "Tell us about your organisation: fill in at least the mission, vision, "
        "description or goals.",
    },
    "profile_exists": {
        "nl": "Je hebt al een profiel met deze naam.",
        "en": "You already have a profile with this name.",
    },
    "one_per_line": {"nl": "Eén per regel.", "en": "One per line."},
    "group_identity": {"nl": "Wie jullie zijn", "en": "Who you are"},
    "group_click": {"nl": "Visie, cultuur en mindset", "en": "Vision, culture and mindset"},
    "group_strategy": {"nl": "Strategie en belangen", "en": "Strategy and interests"},
    "f_name": {"nl": "Naam", "en": "Name"},
    "f_kind": {"nl": "Soort organisatie", "en": "Kind of organisation"},
    "f_country": {"nl": "Land (twee letters, bv. NL)", "en": "Country (two letters, e.g. NL)"},
    "f_city": {"nl": "Plaats", "en": "City"},
    "f_website": {"nl": "Website", "en": "Website"},
    "f_language": {"nl": "Taal van het profiel", "en": "Language of the profile"},
    "f_mission": {"nl": "Missie", "en": "Mission"},
    "f_vision": {"nl": "Visie", "en": "Vision"},
    "f_culture": {"nl": "Cultuur", "en": "Culture"},
    "f_mindset": {"nl": "Mindset", "en": "Mindset"},
    "f_description": {"nl": "Beschrijving", "en": "Description"},
    "f_goals": {"nl": "Doelen", "en": "Goals"},
    "f_target_groups": {"nl": "Doelgroepen", "en": "Target groups"},
    "f_interests": {"nl": "Belangen", "en": "Interests"},
    "f_offers": {"nl": "Wat wij bieden", "en": "What we offer"},
    "f_seeks": {"nl": "Wat wij zoeken", "en": "What we seek"},
    "f_red_lines": {"nl": "Rode lijnen", "en": "Red lines"},
    "f_tags": {"nl": "Trefwoorden", "en": "Tags"},
    "f_partners": {
        "nl": "Huidige en vroegere partners (id of naam)",
        "en": "Current and past partners (id or name)",
    },
    "profile_delete": {"nl": "Profiel verwijderen", "en": "Delete profile"},
    "profile_delete_confirm": {
        "nl": "Dit profiel verwijderen? Dit kan niet ongedaan worden gemaakt.",
        "en": "Delete this profile? This cannot be undone.",
    },
    "profile_deleted": {"nl": "Profiel {name} verwijderd.", "en": "Profile {name} deleted."},
    "kind_company": {"nl": "Bedrijf", "en": "Company"},
    "kind_charity": {"nl": "Goed doel", "en": "Charity"},
    "kind_public": {"nl": "Overheid", "en": "Public body"},
    "kind_university": {"nl": "Universiteit", "en": "University"},
    "kind_research": {"nl": "Onderzoeksinstituut", "en": "Research institute"},
    "kind_other": {"nl": "Anders", "en": "Other"},
    "any": {"nl": "Alle", "en": "Any"},
    # Find partners
    "partners_title": {"nl": "Partners zoeken", "en": "Find partners"},
    "partners_intro": {
        "nl": "Wie past bij onze strategie, en wij bij die van hen? Een korte lijst, met uitleg.",
        "en": "Who fits our strategy, and do we fit theirs? A short list, explained.",
    },
    "f_for": {"nl": "Voor profiel", "en": "For profile"},
    "f_top": {"nl": "Aantal kandidaten", "en": "Number of candidates"},
    "f_exclude_partners": {
        "nl": "Bestaande partners overslaan",
        "en": "Leave out existing partners",
    },
    "f_exclude_conflicts": {
        "nl": "Kandidaten die een rode lijn raken overslaan",
        "en": "Leave out candidates that cross a red line",
    },
    "partners_submit": {"nl": "Zoek partners", "en": "Find partners"},
    "partners_none": {
        "nl": "Geen kandidaten gevonden met deze filters. Verruim de filters.",
        "en": "No candidates match these filters. Try wider filters.",
    },
    "results_for": {"nl": "Kandidaten voor", "en": "Candidates for"},
    "click": {"nl": "Klik", "en": "Click"},
    "click_help": {
        "nl": "Kans in % dat jullie partners worden, beide kanten op.",
        "en": "Chance in % that you become partners, both ways.",
    },
    "they_fit_us": {"nl": "Zij passen bij ons", "en": "They fit us"},
    "we_fit_them": {"nl": "Wij passen bij hen", "en": "We fit them"},
    "f_rank_by": {"nl": "Rangschikken op", "en": "Rank by"},
    "rank_by_click": {"nl": "De klik", "en": "The click"},
    "rank_by_similarity": {"nl": "Profielovereenkomst", "en": "Profile fit"},
    "rank_by_hint": {
        "nl": "De klik is geleerd van echte samenwerkingen (onderzoeksprojecten); "
        "profielovereenkomst volgt alleen de profielen en past vaak beter bij rijke profielen.",
        "en": "The click is learnt from real partnerships (research projects); profile fit "
        "follows the profiles alone and often suits rich profiles better.",
    },
    "ranked_by_similarity": {
        "nl": "Gerangschikt op profielovereenkomst.",
        "en": "Ranked by profile fit.",
    },
    "similarity_only": {
        "nl": "Gerangschikt op overeenkomst (geen klikmodel geladen).",
        "en": "Ranked by similarity (no click model loaded).",
    },
    "show_explanation": {"nl": "Toon de uitleg", "en": "Show the explanation"},
    "red_line_hit": {"nl": "Raakt een rode lijn", "en": "Crosses a red line"},
    # Chart
    "chart_title": {
        "nl": "Overeenkomst per onderdeel, vergeleken met een doorsnee kandidaat",
        "en": "Match per facet, against a typical candidate",
    },
    "chart_typical": {"nl": "doorsnee", "en": "typical"},
    "chart_better": {"nl": "beter", "en": "better"},
    "chart_worse": {"nl": "minder", "en": "weaker"},
    "chart_missing": {"nl": "niet in beide profielen", "en": "not in both profiles"},
    "chart_conflicts": {"nl": "Conflicten", "en": "Conflicts"},
    "chart_no_conflicts": {"nl": "geen", "en": "none"},
    "bar_vision": {"nl": "Visie", "en": "Vision"},
    "bar_mission": {"nl": "Missie", "en": "Mission"},
    "bar_culture": {"nl": "Cultuur", "en": "Culture"},
    "bar_mindset": {"nl": "Mindset", "en": "Mindset"},
    "bar_goals": {"nl": "Doelen", "en": "Goals"},
    "bar_interests": {"nl": "Belangen", "en": "Interests"},
    "bar_we_seek": {"nl": "Zij bieden wat wij zoeken", "en": "They offer what we seek"},
    "bar_they_seek": {"nl": "Wij bieden wat zij zoeken", "en": "We offer what they seek"},
    # Screening
    "screen_title": {"nl": "Verzoek beoordelen", "en": "Screen a request"},
    "screen_intro": {
        "nl": "Een organisatie vraagt om samen te werken. Past het bij onze missie, en wat "
        "botst er?",
        "en": "An organisation asks to partner with you. Does it fit your mission, and what "
        "conflicts?",
    },
    "f_host": {"nl": "Ons profiel", "en": "Our profile"},
    "f_request_text": {
        "nl": "Het verzoek (plak de tekst of een JSON-profiel)",
        "en": "The request (paste its text or a JSON profile)",
    },
    "f_request_file": {
        "nl": "Of upload het verzoek (.txt, .md of .json)",
        "en": "Or upload the request (.txt, .md or .json)",
    },
    "screen_submit": {"nl": "Beoordeel", "en": "Screen"},
    "screen_empty": {
        "nl": "Plak de tekst van het verzoek of upload een bestand.",
        "en": "Paste the request's text or upload a file.",
    },
    "screen_short": {
        "nl": "Het verzoek is te kort om te beoordelen: geef ten minste een paar zinnen.",
        "en": "The request is too short to screen: give at least a few sentences.",
    },
    "screen_bad_json": {
        "nl": "Het JSON-profiel klopt niet",
        "en": "The JSON profile is not valid",
    },
    "screen_wrong_file": {
        "nl": "Upload het verzoek als tekstbestand (.txt of .md) of JSON-profiel (.json).",
        "en": "Upload the request as a text file (.txt or .md) or a JSON profile (.json).",
    },
    "verdict": {"nl": "Oordeel", "en": "Verdict"},
    "verdict_accept": {"nl": "Aannemen", "en": "Accept"},
    "verdict_explore": {"nl": "Verkennen", "en": "Explore"},
    "verdict_decline": {"nl": "Afwijzen", "en": "Decline"},
    "rank_among": {"nl": "Plaats tussen onze kandidaten", "en": "Rank among our candidates"},
    # Lists
    "lists_title": {"nl": "Lijst rangschikken", "en": "Rank a list"},
    "lists_intro": {
        "nl": "Upload een lijst met prospects (CSV of Excel). Klik rangschikt ze allemaal, met "
        "klik, oordeel en redenen, en je downloadt het resultaat.",
        "en": "Upload a list of prospects (CSV or Excel). Klik ranks every one, with click, "
        "verdict and reasons, and you download the result.",
    },
    "f_file": {"nl": "Bestand (CSV, XLSX, JSON of JSONL)", "en": "File (CSV, XLSX, JSON or JSONL)"},
    "lists_submit": {"nl": "Rangschik de lijst", "en": "Rank the list"},
    "lists_no_file": {"nl": "Kies een bestand om te uploaden.", "en": "Choose a file to upload."},
    "lists_wrong_file": {
        "nl": "Dit bestand kunnen we niet lezen. Upload een CSV-, XLSX-, JSON- of JSONL-bestand "
        "met een kolom 'name' en de profielvelden.",
        "en": "We can't read this file. Upload a CSV, XLSX, JSON or JSONL file with a 'name' "
        "column and the profile fields.",
    },
    "lists_bad_rows": {
        "nl": "Het bestand heeft fouten; er is niets in de wachtrij gezet.",
        "en": "The file has errors; nothing was queued.",
    },
    "lists_empty": {"nl": "Het bestand bevat geen prospects.", "en": "The file has no prospects."},
    "lists_recent": {"nl": "Recente lijsten", "en": "Recent lists"},
    "lists_none": {"nl": "Nog geen lijsten.", "en": "No lists yet."},
    "job_title": {"nl": "Lijst", "en": "List"},
    "job_progress": {"nl": "Voortgang", "en": "Progress"},
    "job_done_of": {"nl": "{done} van {total} gerangschikt", "en": "{done} of {total} ranked"},
    "job_rate": {"nl": "{rate} per seconde", "en": "{rate} per second"},
    "job_left": {"nl": "nog ongeveer {time}", "en": "about {time} left"},
    "job_waiting": {
        "nl": "In de wachtrij: wacht op een verwerker ('klik worker').",
        "en": "Queued: waiting for a worker ('klik worker').",
    },
    "job_cancel": {"nl": "Annuleren", "en": "Cancel"},
    "job_cancelled": {"nl": "Deze lijst is geannuleerd.", "en": "This list was cancelled."},
    "job_failed": {"nl": "Rangschikken is mislukt", "en": "Ranking failed"},
    "job_download": {"nl": "Download het resultaat", "en": "Download the result"},
    "job_distribution": {"nl": "Verdeling van de klik", "en": "Distribution of the click"},
    "job_top": {"nl": "De beste tien", "en": "The top ten"},
    "job_not_found": {"nl": "Deze lijst bestaat niet.", "en": "This list does not exist."},
    "status_queued": {"nl": "in de wachtrij", "en": "queued"},
    "status_running": {"nl": "bezig", "en": "running"},
    "status_done": {"nl": "klaar", "en": "done"},
    "status_failed": {"nl": "mislukt", "en": "failed"},
    "status_cancelled": {"nl": "geannuleerd", "en": "cancelled"},
    "prospects": {"nl": "prospects", "en": "prospects"},
    "col_rank": {"nl": "Plaats", "en": "Rank"},
    "col_name": {"nl": "Naam", "en": "Name"},
    "col_reasons": {"nl": "Redenen", "en": "Reasons"},
    # Errors
    "error_title": {"nl": "Er ging iets mis", "en": "Something went wrong"},
    "error_not_found": {
        "nl": "Deze pagina bestaat niet.",
        "en": "This page does not exist.",
    },
    "error_too_large": {
        "nl": "Het bestand is te groot: het maximum is {size} MB.",
        "en": "The file is too large: the maximum is {size} MB.",
    },
    "error_form_expired": {
        "nl": "Het formulier is verlopen. Probeer het opnieuw.",
        "en": "The form has expired. Please try again.",
    },
    "error_unexpected": {
        "nl": "Er ging onverwacht iets mis. We hebben het vastgelegd; probeer het later opnieuw.",
        "en": "Something unexpected went wrong. It has been logged; please try again later.",
    },
    "error_unknown_profile": {
        "nl": "Dat profiel bestaat niet (meer) in je werkruimte.",
        "en": "That profile does not exist (any more) in your workspace.",
    },
    "error_model": {
        "nl": "Het taalmodel kan niet worden geladen; vraag je beheerder.",
        "en": "The language model cannot be loaded; ask your administrator.",
    },
    "go_home": {"nl": "Naar het begin", "en": "Go to the start"},
}


def say(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (English when a text lacks that language)."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
