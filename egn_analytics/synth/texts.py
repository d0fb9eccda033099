"""Synthetic French text corpus of the EGN consultation (RETEX, platform exports, syntheses).

Why this module exists: the product classifies free texts into the 5 themes and 40 propositions
of the États généraux du numérique pour l'éducation (EGN). Real texts cannot be shipped, so we
generate a corpus with the published volumes (``published_figures.md``) and the formats users
bring (``;`` CSV exports of a participatory platform, a CSV of RETEX plus a folder of loose
``.md`` / ``.txt`` documents, long synthesis documents), together with the TRUE labels, kept in
a separate file so that a classifier can be evaluated against them.

How texts are built: each proposition has a bank of noun phrases and 4 sentence templates (plus
two templates derived from its official libellé, used rarely because they make the task trivial).
A text mixes 2-4 sentences of its main proposition, sometimes one of a second (or third)
proposition, and generic sentences about the confinement (context, feelings, logistics, tools)
in the register of its author (teacher, parent, pupil, head, inspector, local authority...).
Some texts lose their accents or get letter swaps. Proposition frequencies follow a Zipf law on a
fixed, plausible ranking (equipment and the digital divide first), so the corpus is learnable
but unbalanced.

Decisions worth knowing (also written in ``textes/LISEZMOI_SYNTHETIQUE.txt``):

* ``verite_terrain_SYNTHETIQUE.csv`` lists every text-bearing record once: all RETEX, proposals,
  comments and syntheses, and only the questionnaire answers that have a ``texte_libre``. The
  first proposition of the ``|`` list is the main one (most sentences). Propositions 39 and 40
  are "transverse"; their ground-truth theme is :data:`TRANSVERSE_THEME` (39 → 3, 40 → 5).
* The loose RETEX documents in ``textes/retex/documents/`` are copies of CSV rows (same
  ``id_retex`` in their header), as when a user brings both an export and the original files.
* The 21 returns of régions académiques are one per région (18) plus a complementary thematic
  document from the three largest multi-académie régions (:data:`COMPLEMENT_REGIONS`), so
  ``region_academique`` is never null for them. Proposition 18 appears in the returns of exactly
  12 of the 18 régions (seeded choice), and never in the other 6.
* Platform dates are drawn in an assumed window (launch at the end of June 2020, end on
  31 October 2020); questionnaire profiles follow the shares published in the autumn of 2020.
* Counts scale linearly (``max(1, round(n * scale))``), independently for each file.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TypeVar

import numpy as np
import polars as pl

from egn_analytics.io import atomic_path, sha256_file, write_text_atomic
from egn_analytics.reference.nomenclatures import academies
from egn_analytics.synth.common import SYNTHETIC_MARK, SYNTHETIC_TAG, FileRecord, relative, rng_for

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# Published volumes (scale 1.0) and calendar windows
# --------------------------------------------------------------------------------------------

#: Published volumes of the EGN consultation (``published_figures.md``, "EGN consultation").
N_RETEX = 1300
N_QUESTIONNAIRE = 26839
N_PROPOSITIONS = 670
N_COMMENTAIRES = 2380
N_SOUTIENS = 3214  # "more than 3 000 supports"
N_SYNTHESES_PARTENAIRES = 21
N_SYNTHESES_REGIONS = 21  # 18 régions académiques + 3 complementary documents
N_REUNIONS = 362  # "more than 350 meetings in the 18 régions académiques"

RETEX_START, RETEX_END = date(2020, 3, 16), date(2020, 10, 15)
#: Assumed platform window: the site opened at the end of June 2020, syntheses closed in October.
PLATFORM_START, PLATFORM_END = date(2020, 6, 29), date(2020, 10, 31)
QUESTIONNAIRE_END = date(2020, 10, 19)  # "au 19 octobre 2020, plus de 26 800 personnes"
REGION_START, REGION_END = date(2020, 9, 21), date(2020, 10, 23)  # territorial EGN 14/09-16/10
PARTNER_START, PARTNER_END = date(2020, 9, 1), date(2020, 10, 30)

#: Ground-truth theme of the two transverse propositions (39: tiers lieux, 40: offre française).
TRANSVERSE_THEME: dict[int, int] = {39: 3, 40: 5}
#: Régions académiques that send a second, thematic return (the three largest with 3 académies).
COMPLEMENT_REGIONS: tuple[str, ...] = ("Île-de-France", "Auvergne-Rhône-Alpes", "Grand Est")
N_REGIONS_WITH_P18 = 12

#: Plausible popularity ranking of the propositions (most raised first): drives a Zipf law.
PROPOSITION_RANKING: tuple[int, ...] = (
    16, 18, 15, 6, 23, 11, 21, 17, 4, 19, 35, 7, 13, 12, 26, 22, 8, 30, 9, 28,
    25, 1, 2, 38, 27, 14, 20, 39, 3, 29, 24, 10, 37, 36, 31, 5, 32, 34, 33, 40,
)  # fmt: skip
ZIPF_EXPONENT = 0.9

#: Closed questions of the questionnaire (column headers, as the platform exports them).
Q_SUIVI = "Avez-vous pu suivre les cours à distance ?"
Q_CONTINUITE = "Avez-vous pu assurer la continuité pédagogique à distance ?"
Q_EQUIPEMENT = "Disposiez-vous d'un équipement informatique suffisant à domicile ?"
Q_CONNEXION = "Comment qualifieriez-vous votre connexion internet ?"
Q_OUTIL = "Quel outil avez-vous le plus utilisé ?"
Q_ECHANGES = "Les échanges entre l'école et les familles ont-ils été suffisants ?"
Q_ACCOMPAGNEMENT = "Vous êtes-vous senti(e) accompagné(e) pendant le confinement ?"
Q_CONSERVER = "Souhaitez-vous que certains usages du numérique soient conservés ?"
QUESTIONS: tuple[str, ...] = (
    Q_SUIVI, Q_CONTINUITE, Q_EQUIPEMENT, Q_CONNEXION, Q_OUTIL, Q_ECHANGES, Q_ACCOMPAGNEMENT,
    Q_CONSERVER,
)  # fmt: skip

_LIKERT_OUI = ("Oui, tout à fait", "Plutôt oui", "Plutôt non", "Non, pas du tout")
_LIKERT_ACCORD = (
    "Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord", "Pas du tout d'accord",
)  # fmt: skip
_SUIVI = ("Oui, régulièrement", "Oui, de temps en temps", "Rarement", "Non, pas du tout")
_EQUIPEMENT = ("Oui", "Oui, mais partagé avec d'autres membres du foyer", "Non")
_CONNEXION = ("Très bonne", "Correcte", "Insuffisante", "Pas de connexion")
_OUTILS = (
    "ENT", "Pronote ou logiciel de vie scolaire", "Messagerie électronique",
    "CNED « Ma classe à la maison »", "Visioconférence", "Téléphone", "Documents papier", "Autre",
)  # fmt: skip
_CONSERVER = ("Oui", "Non", "Ne sait pas")

#: Questionnaire profiles and their published shares (autumn 2020; "autres" split by us).
_Q_PROFILS: tuple[tuple[str, float], ...] = (
    ("enseignant", 41.1), ("parent", 29.3), ("élève", 15.0), ("personnel d'encadrement", 8.2),
    ("autre personnel", 3.4), ("collectivité territoriale", 1.0), ("autre", 2.0),
)  # fmt: skip
#: Platform (forum) profiles: proposals are written more by staff than the questionnaire.
_P_PROFILS: tuple[tuple[str, float], ...] = (
    ("enseignant", 45.0), ("parent", 24.0), ("élève", 6.0), ("personnel d'encadrement", 12.0),
    ("autre personnel", 5.0), ("collectivité territoriale", 3.0),
    ("association ou entreprise", 5.0),
)  # fmt: skip
_PROFIL_REGISTER: dict[str, str] = {
    "enseignant": "enseignant", "parent": "parent", "élève": "eleve",
    "personnel d'encadrement": "direction", "autre personnel": "vie_scolaire",
    "collectivité territoriale": "collectivite", "autre": "neutre",
    "association ou entreprise": "neutre",
}  # fmt: skip

#: RETEX author types: (label, weight, register, niveau probabilities 1er/2nd/transversal).
_RETEX_AUTEURS: tuple[tuple[str, float, str, tuple[float, float, float]], ...] = (
    ("enseignant", 38, "enseignant", (0.45, 0.55, 0.0)),
    ("directeur d'école", 12, "direction", (1.0, 0.0, 0.0)),
    ("chef d'établissement", 10, "direction", (0.0, 1.0, 0.0)),
    ("IEN", 6, "inspection", (0.9, 0.0, 0.1)),
    ("IA-IPR", 4, "inspection", (0.0, 0.9, 0.1)),
    ("CPE", 5, "vie_scolaire", (0.0, 1.0, 0.0)),
    ("parent", 10, "parent", (0.5, 0.4, 0.1)),
    ("collectivité", 5, "collectivite", (0.3, 0.1, 0.6)),
    ("référent numérique", 6, "enseignant", (0.2, 0.2, 0.6)),
    ("délégation académique au numérique", 4, "neutre", (0.0, 0.0, 1.0)),
)
_NIVEAUX = ("1er degré", "2nd degré", "transversal")
_NIVEAU_KEY = {"1er degré": "1er", "2nd degré": "2nd", "transversal": "transversal"}

#: Propositions an author type tends to raise (mixed with the global Zipf law).
_BIAS_RETEX: dict[str, tuple[int, ...]] = {
    "enseignant": (6, 17, 23, 11, 8, 26),
    "directeur d'école": (18, 4, 25, 21, 16),
    "chef d'établissement": (4, 25, 23, 18, 27),
    "IEN": (6, 25, 28, 26, 15),
    "IA-IPR": (6, 7, 8, 26, 10),
    "CPE": (15, 12, 27, 21, 16),
    "parent": (21, 16, 19, 15, 35),
    "collectivité": (18, 16, 29, 39, 1),
    "référent numérique": (28, 23, 6, 35, 38),
    "délégation académique au numérique": (24, 28, 1, 3, 37),
}
_BIAS_PROFIL: dict[str, tuple[int, ...]] = {
    "enseignant": (6, 17, 23, 7, 8, 11),
    "parent": (21, 16, 19, 15, 35, 12),
    "élève": (16, 19, 11, 13, 14, 12),
    "personnel d'encadrement": (4, 25, 23, 18, 1),
    "autre personnel": (23, 28, 26, 4),
    "collectivité territoriale": (18, 16, 29, 39, 3),
    "association ou entreprise": (38, 31, 34, 40, 33, 22),
    "autre": (12, 22, 30, 38),
}

#: Invented partner organisations (no real organisation is named), with their French article
#: so that "la contribution de la Fédération…" reads right; ``contributeur`` drops the article.
_PARTENAIRES: tuple[tuple[str, str], ...] = (
    ("syndicat", "le Syndicat national Enseigner Ensemble (SNEE)"),
    ("syndicat", "l'Union des professeurs du second degré (UPSD)"),
    ("syndicat", "le Syndicat des directrices et directeurs d'école (SDDE)"),
    ("syndicat", "la Fédération des personnels de l'éducation et de la recherche (FPER)"),
    ("syndicat", "le Syndicat des personnels de direction Avenir (SPDA)"),
    ("syndicat", "l'Union syndicale des personnels administratifs et techniques (USPAT)"),
    ("parents", "la Fédération nationale Parents et École (FNPE)"),
    ("parents", "l'Union des associations de parents d'élèves indépendantes (UAPEI)"),
    ("parents", "la Confédération des familles pour l'école publique (CFEP)"),
    ("parents", "le Réseau Parents Solidaires"),
    ("parents", "le Collectif Parents Connectés"),
    ("entreprise", "EdTech Horizon SAS"),
    ("entreprise", "Cartable Connecté SARL"),
    ("entreprise", "le Groupement des éditeurs de ressources éducatives (GERE)"),
    ("entreprise", "Nuage Scolaire Souverain SA"),
    ("entreprise", "l'Association des entreprises du numérique éducatif (AENE)"),
    ("association", "l'Association Numérique pour Tous les Élèves (ANTE)"),
    ("association", "le Collectif Libre Éducation"),
    ("association", "le Réseau des Tiers-Lieux Apprenants"),
    ("association", "l'Association Inclusion et Accessibilité Numérique (AIAN)"),
    ("association", "la Ligue pour l'Éducation aux Médias et à l'Information (LEMI)"),
)
_BIAS_PARTENAIRE: dict[str, tuple[int, ...]] = {
    "syndicat": (6, 17, 23, 25, 28, 26, 4),
    "parents": (15, 16, 21, 19, 12, 22, 35),
    "entreprise": (31, 33, 34, 40, 24, 35, 36),
    "association": (38, 29, 30, 12, 39, 22, 21),
}

#: Rough relative sizes of the académies (pupils, thousands) to weight synthetic draws only.
_ACADEMIE_POIDS: dict[str, int] = {
    "01": 350, "02": 470, "03": 200, "04": 560, "06": 210, "07": 250, "08": 620, "09": 830,
    "10": 570, "11": 480, "12": 360, "13": 280, "14": 560, "15": 320, "16": 560, "17": 710,
    "18": 450, "19": 200, "20": 320, "22": 110, "23": 300, "24": 1000, "25": 1130, "27": 50,
    "28": 220, "31": 60, "32": 75, "33": 85, "43": 105, "70": 530,
}  # fmt: skip
_DROM_ACADEMIES = frozenset({"28", "31", "32", "33", "43"})

# --------------------------------------------------------------------------------------------
# Text banks (a tiny line format: "## section", "k: item", indented lines continue an item)
# --------------------------------------------------------------------------------------------

# Per proposition: m = noun phrases (with their article; they fit every template of the
# proposition), t = sentence templates, h = titles. Placeholders: {m}/{M} (capitalised),
# {m2}, and the generic fillers of _GENERIC ("fill.*" sections).
_PROPOSITION_BANK = """
## 1
m: une gouvernance plus participative
m: un comité de pilotage associant tous les acteurs
m: une instance de concertation régulière
m: un pilotage partagé entre l'État et les collectivités
m: une vraie coordination territoriale
m: des décisions co-construites avec le terrain
t: Pendant la crise, les décisions tombaient d'en haut : il faut désormais {m}, au niveau
   national comme dans les territoires.
t: Nous proposons {m}, avec des représentants des enseignants, des parents et des collectivités.
t: Sans {m}, chaque acteur avance seul et les moyens sont mal répartis.
t: La gouvernance du numérique éducatif doit changer : {m}, c'est ce qui permettrait de mieux
   anticiper les besoins.
h: Pour une gouvernance participative du numérique éducatif
h: Associer tous les acteurs au pilotage du numérique
h: Co-construire les décisions avec le terrain
## 2
m: une concertation ouverte et permanente
m: une plateforme de consultation durable
m: des ateliers participatifs réguliers
m: un espace d'échange entre enseignants, parents et élèves
m: un suivi public des propositions
m: des rencontres annuelles du numérique éducatif
t: La dynamique des États généraux ne doit pas s'arrêter : il faut {m}.
t: Nous souhaitons {m} pour continuer à faire remonter les idées du terrain.
t: Cette consultation est une bonne initiative, mais elle doit se prolonger par {m}.
t: Avec {m}, chacun pourrait voir ce que deviennent les contributions.
h: Prolonger la dynamique des États généraux
h: Une concertation permanente sur le numérique
h: Continuer à consulter le terrain
## 3
m: des territoires pilotes
m: une expérimentation à grande échelle
m: des projets démonstrateurs
m: un déploiement progressif et évalué
m: des territoires numériques éducatifs
m: une évaluation rigoureuse des usages
t: Avant de généraliser, il faudrait passer par {m}.
t: Notre département est prêt à s'engager dans {m} pour montrer ce que le numérique apporte
   vraiment.
t: {M}, c'est le moyen de démontrer l'intérêt des équipements avant de les déployer partout.
t: Les collectivités sont prêtes à tester le déploiement du numérique avec {m} si l'État
   accompagne.
h: Tester le numérique dans des territoires pilotes
h: Expérimenter avant de généraliser
h: Des territoires démonstrateurs du numérique éducatif
## 4
m: un plan de continuité pédagogique
m: un plan de continuité d'activité
m: des procédures prêtes en cas de fermeture
m: un protocole clair pour basculer à distance
m: une cellule de crise dans chaque établissement
m: des scénarios de continuité testés à l'avance
t: Le 16 mars, rien n'était prêt : il faut {m} dans chaque école et chaque établissement.
t: Nous demandons {m}, connu de tous, pour ne pas improviser lors d'une prochaine fermeture.
t: {M}, cela aurait évité des semaines de flottement au début du confinement.
t: Il faut anticiper une nouvelle crise avec {m}, y compris pour les services administratifs.
h: Anticiper la prochaine fermeture des écoles
h: Un plan de continuité dans chaque établissement
h: Ne plus improviser en cas de crise
## 5
m: une campagne nationale de sensibilisation
m: des actions contre les stéréotypes de genre
m: des rencontres avec des femmes ingénieures
m: la découverte des métiers du numérique dès le collège
m: des options informatiques plus attractives pour les filles
m: des stages dans les entreprises du numérique
t: Pour féminiser les filières du numérique, il faut {m}.
t: Nous proposons {m} afin que les filles ne se détournent plus de l'informatique.
t: Dans notre lycée, très peu de filles choisissent la spécialité NSI ; {m}, cela changerait
   la donne.
t: L'attractivité des métiers du numérique passe par {m}.
h: Plus de filles dans le numérique
h: Rendre les métiers du numérique attractifs
h: Une campagne nationale pour les filières du numérique
## 6
m: une vraie formation au numérique
m: des formations continues sur le temps de travail
m: un module numérique obligatoire en INSPÉ
m: des formations courtes et pratiques
m: un accompagnement par des formateurs de proximité
m: des temps de formation entre pairs
t: Beaucoup de collègues ont découvert la classe virtuelle en catastrophe : il faut {m}.
t: La formation initiale et continue des enseignants doit inclure {m}.
t: Nous demandons {m}, car on ne peut pas tout apprendre seul le soir sur des tutoriels.
t: Faute de proposer {m}, les écarts entre enseignants à l'aise et enseignants démunis vont
   perdurer.
h: Former vraiment les enseignants au numérique
h: Renforcer la formation initiale et continue
h: Des formations pratiques pour tous les professeurs
## 7
m: la certification PIX des enseignants
m: un parcours PIX adapté aux professeurs
m: une certification des compétences numériques des professeurs
m: un PIX spécifique aux métiers de l'enseignement
m: la reconnaissance des compétences numériques dans la carrière
m: un positionnement PIX en début de formation
t: Il serait utile de développer {m}.
t: Avec {m}, chaque professeur pourrait savoir où il en est et quelles formations suivre.
t: Les compétences numériques des professeurs devraient être certifiées : {m}, ce serait un
   bon outil.
t: Certains collègues redoutent {m}, mais cette démarche valoriserait leurs compétences si
   elle est bien accompagnée.
h: Certifier les compétences numériques des professeurs
h: PIX pour les enseignants
h: Reconnaître les compétences numériques des enseignants
## 8
m: les ateliers de Réseau Canopé
m: des formations hybrides
m: des webinaires courts
m: des MOOC pour les enseignants
m: des parcours M@gistère mieux conçus
m: des formations à distance en autonomie
t: Pendant le confinement, {m} nous ont beaucoup aidés à prendre en main les outils.
t: Il faut diversifier les modes de formation avec {m} et conforter la place de Réseau Canopé.
t: {M}, c'est une bonne réponse au manque de temps des enseignants.
t: Nous souhaitons que Réseau Canopé développe {m} au plus près des écoles.
h: Diversifier la formation au et par le numérique
h: Conforter Réseau Canopé
h: Des formations hybrides pour les enseignants
## 9
m: un compte ressources pour chaque enseignant
m: un crédit pour acheter des ressources numériques
m: un accès unique aux services numériques
m: un portail personnel de ressources pédagogiques
m: un identifiant unique pour toutes les applications pédagogiques
m: une bibliothèque de ressources numériques gratuite
t: Chaque enseignant devrait avoir {m}.
t: Nous avons perdu un temps fou à chercher des ressources : {m}, cela simplifierait tout.
t: Nous proposons que le ministère finance {m}.
t: Avec {m}, les professeurs pourraient choisir librement leurs ressources et leurs services.
h: Un compte ressources pour chaque enseignant
h: Un accès simple aux ressources numériques
h: Des services numériques pour tous les professeurs
## 10
m: des projets associant chercheurs et enseignants
m: des laboratoires d'innovation pédagogique
m: une recherche participative sur les usages
m: des partenariats avec les universités
m: une analyse scientifique des usages du numérique
m: la conception collaborative d'outils
t: Il faudrait développer {m} pour concevoir des outils vraiment adaptés à la classe.
t: Le confinement a été une expérience unique : il faut {m} pour en tirer des enseignements
   solides.
t: Nous sommes prêts à participer à {m}.
t: Les enseignants ont besoin que la recherche s'intéresse à leurs pratiques, par exemple avec
   {m}.
h: Rapprocher chercheurs et enseignants
h: Concevoir les outils avec les enseignants
h: Analyser les usages du numérique avec la recherche
## 11
m: « Ma classe à la maison »
m: les classes virtuelles du CNED
m: un soutien scolaire à distance gratuit
m: des cours en ligne du CNED
m: une aide aux devoirs en visio
m: un service de téléenseignement pour les élèves
t: Il faut développer {m} et conforter la place du CNED.
t: Avec {m}, certains élèves ont pu garder un lien avec l'école.
t: Pour les élèves en difficulté, {m}, c'est une ressource précieuse.
t: Nous proposons de pérenniser {m} au-delà de la crise, gratuitement pour toutes les familles.
h: Pérenniser le soutien à distance gratuit
h: Conforter la place du CNED
h: Un téléenseignement pour tous les élèves
## 12
m: l'éducation aux médias et à l'information
m: des ateliers du CLEMI
m: la lutte contre les fausses informations
m: une éducation à la citoyenneté numérique
m: la prévention du cyberharcèlement
m: l'esprit critique face aux réseaux sociaux
t: Pendant le confinement, les élèves ont passé des heures sur les écrans : il faut renforcer
   {m}.
t: Nous proposons {m} dès l'école élémentaire, en s'appuyant sur le CLEMI.
t: Avec {m}, les jeunes seraient mieux armés face aux rumeurs et aux théories du complot.
t: La citoyenneté numérique passe par {m}, pas seulement par des interdictions.
h: Renforcer l'éducation aux médias
h: Former des citoyens numériques
h: S'appuyer sur le CLEMI
## 13
m: la certification PIX des élèves
m: les parcours PIX en classe
m: une certification reconnue des compétences numériques des élèves
m: les campagnes PIX au collège et au lycée
m: un entraînement régulier sur PIX
m: la validation des compétences numériques en fin de cycle
t: Il faut généraliser {m}, car beaucoup d'élèves ne savaient pas envoyer une pièce jointe.
t: Nous proposons {m} pour que chaque élève connaisse son niveau en numérique.
t: Avec {m}, les compétences numériques des élèves seraient enfin évaluées sérieusement.
t: Les élèves savent utiliser leur téléphone mais pas un traitement de texte : {m}, c'est une
   nécessité.
h: Certifier les compétences numériques des élèves
h: PIX pour tous les élèves
h: Évaluer le niveau des élèves en numérique
## 14
m: un portfolio numérique des compétences
m: un espace personnel d'orientation
m: un espace numérique qui suive l'élève toute sa scolarité
m: les ressources de l'ONISEP
m: un portfolio conservant les travaux de l'élève
m: un outil d'orientation en ligne
t: Chaque élève devrait avoir accès à {m}, du collège jusqu'après le bac.
t: Nous proposons {m}, en lien avec l'ONISEP, pour mieux préparer l'orientation.
t: Pendant le confinement, l'orientation a été négligée ; avec {m}, les élèves auraient pu
   continuer à construire leur projet.
t: Il faut concevoir l'orientation autour de {m} pour valoriser aussi les compétences acquises
   hors de la classe.
h: Un portfolio numérique pour chaque élève
h: Un espace personnel d'orientation
h: S'appuyer sur l'ONISEP pour l'orientation
## 15
m: un repérage systématique des familles sans équipement
m: un diagnostic de la fracture numérique
m: un questionnaire sur l'équipement dès la rentrée
m: la lutte contre l'illectronisme
m: un suivi des élèves décrocheurs
m: une cartographie des zones blanches
t: Nous avons perdu le contact avec plusieurs élèves dès la première semaine : il faut {m}.
t: Il faut mettre en place {m} pour détecter et prévenir la fracture numérique.
t: Avec {m}, les enseignants sauraient tout de suite quels élèves ne peuvent pas travailler à
   distance.
t: La fracture numérique ne se voit pas : {m}, c'est la première chose à faire.
h: Détecter la fracture numérique
h: Repérer les élèves sans équipement
h: Lutter contre l'illectronisme
## 16
m: des ordinateurs portables prêtés aux élèves
m: une aide financière pour équiper les familles
m: des tablettes pour les élèves boursiers
m: un équipement individuel pour chaque collégien
m: des prêts de matériel par l'établissement
m: une dotation en ordinateurs pour les familles modestes
t: Dans beaucoup de familles, il n'y avait qu'un téléphone pour trois enfants : il faut {m}.
t: Nous proposons {m} en priorité pour les familles qui en ont le plus besoin.
t: Si l'on ne prévoit pas {m}, la continuité pédagogique reste un vœu pieux pour une partie
   des élèves.
t: L'aide à l'équipement des élèves doit être ciblée : {m}, c'est la priorité.
h: Équiper les élèves qui n'ont pas d'ordinateur
h: Une aide ciblée à l'équipement des familles
h: Un ordinateur pour chaque élève qui en a besoin
## 17
m: un ordinateur professionnel pour chaque enseignant
m: une prime d'équipement informatique
m: du matériel fourni par l'employeur
m: une prise en charge de l'abonnement internet des professeurs
m: un équipement professionnel renouvelé régulièrement
m: une webcam et un micro pour les cours en visio
t: Les enseignants ont travaillé avec leur ordinateur personnel et leur propre connexion : il
   faut {m}.
t: Nous demandons {m}, comme dans toutes les autres professions.
t: Avec {m}, les professeurs n'auraient plus à partager l'ordinateur familial avec leurs
   enfants.
t: L'équipement des professeurs doit être pris en charge par l'institution : {m}, c'est un
   minimum.
h: Équiper tous les professeurs
h: Un ordinateur professionnel pour chaque enseignant
h: Reconnaître les frais d'équipement des enseignants
## 18
m: un socle numérique minimal dans chaque école
m: un débit internet suffisant
m: le wifi dans tous les bâtiments
m: un vidéoprojecteur dans chaque classe
m: un parc informatique renouvelé
m: un équipement de base pour chaque classe
t: Il faut garantir {m}, quel que soit le budget de la commune.
t: Dans notre école, la connexion tombe dès que deux classes se connectent ; {m}, c'est le
   préalable à tout.
t: Nous demandons {m} pour les écoles et les établissements, défini au niveau national.
t: Les inégalités entre écoles sont énormes : sans {m}, on ne peut rien construire.
h: Garantir un socle numérique minimal
h: Un équipement de base dans toutes les écoles
h: Du wifi et un vrai débit dans chaque établissement
## 19
m: un « Pass' connexion éducation »
m: une connexion internet gratuite pour les élèves
m: des forfaits de données pour les familles
m: des clés 4G prêtées aux élèves
m: un accès internet solidaire
m: une aide pour l'abonnement internet des familles
t: Certains élèves suivaient les cours avec le forfait du téléphone de leurs parents : il faut
   {m}.
t: Nous proposons {m} pour toutes les familles qui n'ont pas de box.
t: L'équipement ne sert à rien sans connexion ; {m}, c'est indispensable.
t: Avec {m}, les élèves des zones mal desservies auraient pu suivre les classes virtuelles.
h: Une connexion internet pour tous les élèves
h: Le Pass' connexion éducation
h: Des forfaits de données pour les familles
## 20
m: des simulateurs pour les lycées professionnels
m: des tiers-lieux ouverts aux lycéens professionnels
m: des ressources numériques pour les ateliers
m: des outils de réalité virtuelle pour les gestes professionnels
m: des plateaux techniques accessibles à distance
m: des logiciels métiers pour les élèves de la voie professionnelle
t: En lycée professionnel, on ne peut pas apprendre un geste technique en visio : il faut {m}.
t: Nous proposons {m}, car la voie professionnelle a été la grande oubliée du confinement.
t: Avec {m}, nos élèves de CAP et de bac pro auraient pu continuer à pratiquer.
t: La voie professionnelle a besoin d'outils spécifiques, par exemple {m}.
h: Des outils numériques pour la voie professionnelle
h: Des tiers-lieux pour les lycées professionnels
h: Ne pas oublier les lycées professionnels
## 21
m: des ateliers numériques pour les parents
m: une formation des familles aux outils de l'école
m: un accompagnement des parents sur l'ENT
m: le PIX pour tous les parents
m: des permanences numériques pour les familles
m: des tutoriels simples pour les parents
t: Beaucoup de parents ne savaient pas se connecter à l'ENT ni imprimer un document : il faut
   {m}.
t: Nous proposons {m} dans les écoles, le soir ou le samedi matin.
t: Avec {m}, les familles pourraient mieux accompagner leurs enfants.
t: La culture numérique des familles est un enjeu : {m}, ce serait un vrai plus.
h: Former les parents au numérique
h: Accompagner les familles
h: Des ateliers numériques pour les parents
## 22
m: des ressources numériques accessibles
m: un référentiel d'accessibilité
m: des documents adaptés aux élèves dyslexiques
m: des outils compatibles avec les lecteurs d'écran
m: des vidéos sous-titrées
m: l'accessibilité des plateformes pour les élèves en situation de handicap
t: Les élèves en situation de handicap ont été très pénalisés : il faut {m}.
t: Nous demandons {m} pour toutes les ressources éducatives publiées.
t: Avec {m}, les élèves à besoins particuliers pourraient suivre comme les autres.
t: L'école inclusive passe aussi par {m}.
h: Des ressources numériques accessibles à tous
h: Un référentiel d'accessibilité
h: Ne pas oublier les élèves en situation de handicap
## 23
m: un environnement numérique de travail pour tous les personnels
m: des outils collaboratifs institutionnels
m: un espace de stockage partagé
m: une messagerie et une visio fiables
m: un ENT commun à toute l'académie
m: des outils de travail en équipe sécurisés
t: Pendant le confinement, chacun a utilisé ses propres outils : il faut {m}.
t: Nous proposons {m}, y compris pour les AESH et les personnels administratifs.
t: Avec {m}, nous n'aurions pas eu besoin de passer par des applications grand public.
t: Les plateformes ont saturé les premiers jours ; {m}, c'est la base pour travailler ensemble.
h: Un ENT pour tous les personnels
h: Des outils collaboratifs pour travailler ensemble
h: Des outils institutionnels fiables
## 24
m: la mutualisation des services numériques
m: un catalogue national des outils développés par les académies
m: le partage des solutions académiques
m: une mise en commun des développements locaux
m: la reprise nationale des bonnes initiatives locales
m: des services partagés entre académies
t: Chaque académie a développé ses outils dans son coin : il faut {m}.
t: Nous proposons {m} pour éviter de payer plusieurs fois le même développement.
t: Avec {m}, une bonne idée née dans un département pourrait profiter à tout le pays.
t: La mutualisation au niveau national passe par {m}.
h: Mutualiser les services numériques
h: Partager les outils développés en académie
h: Ne pas réinventer la roue dans chaque académie
## 25
m: un accompagnement des cadres
m: une formation des chefs d'établissement au management à distance
m: des réseaux d'entraide entre directeurs
m: un coaching des équipes de direction
m: des outils de pilotage pour les cadres
m: une formation des inspecteurs au travail collaboratif
t: Les directeurs et chefs d'établissement se sont sentis seuls pour organiser le travail à
   distance : il faut {m}.
t: Nous proposons {m} pour apprendre à animer des équipes à distance.
t: Avec {m}, le « travailler ensemble » deviendrait une réalité.
t: Le rôle des cadres a changé pendant la crise ; {m}, c'est une nécessité.
h: Accompagner les cadres
h: Former les équipes de direction
h: Organiser le travailler ensemble
## 26
m: l'animation des communautés d'enseignants
m: des communautés de pratique en ligne
m: des temps d'échange entre collègues
m: des collectifs de personnels soutenus par l'institution
m: des réseaux d'enseignants par discipline
m: des rencontres entre écoles d'un même secteur
t: Pendant le confinement, l'entraide entre collègues a été précieuse : il faut encourager
   {m}.
t: Nous proposons {m}, avec du temps dégagé pour les animer.
t: Avec {m}, personne ne resterait isolé face aux difficultés.
t: Les communautés éducatives ont besoin d'animation, par exemple {m}.
h: Animer les communautés éducatives
h: Soutenir les collectifs d'enseignants
h: Favoriser l'entraide entre collègues
## 27
m: des outils participatifs dans l'établissement
m: des conseils de vie collégienne en ligne
m: une consultation régulière des élèves et des parents
m: des sondages internes
m: des démarches participatives associant les élèves
m: un budget participatif au lycée
t: Les élèves et les parents veulent être écoutés : il faut {m}.
t: Nous proposons {m} pour que chacun puisse donner son avis sur la vie de l'école.
t: Avec {m}, les décisions de l'établissement seraient mieux comprises.
t: Au collège, nous avons testé {m} pendant le confinement et cela a bien fonctionné.
h: Des outils participatifs dans les établissements
h: Donner la parole aux élèves et aux parents
h: Décider ensemble au sein de l'école
## 28
m: les référents numériques
m: les ERUN
m: les interlocuteurs académiques pour le numérique
m: les équipes des délégations académiques au numérique
m: les enseignants référents pour les usages du numérique
m: les techniciens informatiques des collectivités
t: {M} ont été en première ligne pendant le confinement : il faut mieux les reconnaître.
t: Nous demandons plus de temps et une vraie reconnaissance pour {m}.
t: Sans {m}, beaucoup d'écoles n'auraient jamais ouvert leur classe virtuelle.
t: Il faut renforcer {m} dans les territoires, avec des décharges et des indemnités.
h: Reconnaître les acteurs du numérique
h: Renforcer les référents numériques
h: Plus de moyens pour les ERUN
## 29
m: des ordinateurs reconditionnés
m: le recyclage du matériel informatique
m: des dons d'ordinateurs par les entreprises
m: une filière de reconditionnement locale
m: du matériel de seconde main
m: la réparation plutôt que le remplacement
t: Pour équiper les familles sans gaspiller, il faut encourager {m}.
t: Nous proposons {m}, avec des associations d'insertion.
t: Avec {m}, on pourrait équiper plus d'élèves pour le même budget.
t: Le numérique responsable commence par {m}.
h: Utiliser des matériels recyclés
h: Des ordinateurs reconditionnés pour les élèves
h: Réparer plutôt que jeter
## 30
m: la sobriété numérique
m: les bons usages des écrans
m: des outils conformes au RGPD
m: la protection des données personnelles des élèves
m: le respect du RGPD
m: la limitation du temps d'écran
t: Pendant le confinement, on a utilisé n'importe quelle application sans se poser la question
   des données : il faut promouvoir {m}.
t: Nous proposons une formation sur {m} pour les enseignants et les élèves.
t: Avec {m}, les familles auraient davantage confiance dans les outils de l'école.
t: Le numérique responsable, c'est aussi {m}.
h: Former à la sobriété numérique
h: Des outils conformes au RGPD
h: Protéger les données des élèves
## 31
m: un code de conduite pour les entreprises
m: un cadre de confiance pour les éditeurs
m: une charte pour les entreprises de la filière
m: des engagements clairs des éditeurs sur les données
m: un label de confiance pour les services numériques
m: des contrôles du respect du code de conduite
t: Les éditeurs privés se sont précipités dans les écoles : il faut {m}.
t: Nous demandons {m}, pour savoir ce que deviennent les données des élèves.
t: Avec {m}, les enseignants pourraient choisir un service sans crainte.
t: La confiance passe par {m}.
h: Un code de conduite pour les entreprises
h: Renforcer le cadre de confiance
h: Encadrer les éditeurs de services numériques
## 32
m: le financement des laboratoires de recherche en éducation
m: le transfert des innovations vers les classes
m: des thèses en lien avec les écoles
m: des appels à projets de recherche
m: la valorisation des résultats de la recherche
m: des liens entre laboratoires et entreprises de l'EdTech
t: Il faut soutenir {m} pour que les innovations arrivent enfin dans les classes.
t: Nous proposons {m}, avec un vrai accompagnement du ministère.
t: Avec {m}, les découvertes des chercheurs ne resteraient pas dans les tiroirs.
t: La recherche en éducation manque de moyens : {m}, c'est un investissement d'avenir.
h: Aider les laboratoires de recherche
h: Transférer les innovations dans les classes
h: Soutenir la recherche en éducation
## 33
m: des challenges de l'innovation
m: des concours d'innovation pédagogique
m: des hackathons éducatifs
m: des défis ouverts aux enseignants et aux start-up
m: des prix pour les projets innovants
m: des appels à idées nationaux
t: Il faut lancer {m} pour faire émerger de nouvelles solutions.
t: Nous proposons {m}, ouverts aussi aux élèves.
t: Avec {m}, les enseignants innovants seraient enfin mis en valeur.
t: Beaucoup de bonnes idées sont nées pendant le confinement ; {m} permettraient de les
   repérer.
h: Lancer des challenges de l'innovation
h: Des concours pour innover
h: Faire émerger les bonnes idées
## 34
m: un accélérateur pour les solutions innovantes
m: un incubateur de l'EdTech
m: un accompagnement des start-up de l'éducation
m: une diffusion plus rapide des solutions qui marchent
m: un dispositif pour passer de l'expérimentation à la généralisation
m: un guichet unique pour les innovations
t: Les solutions innovantes restent trop souvent au stade du prototype : il faut {m}.
t: Nous proposons {m} pour diffuser plus vite les outils qui ont fait leurs preuves.
t: Avec {m}, les bonnes pratiques repérées pendant le confinement seraient diffusées partout.
t: Les entreprises de l'EdTech ont besoin d'un accompagnement, par exemple {m}.
h: Accélérer la diffusion des innovations
h: Un accélérateur de l'EdTech
h: Diffuser les solutions qui marchent
## 35
m: l'interopérabilité des outils
m: un cadre général d'interopérabilité
m: des standards ouverts
m: un identifiant unique pour toutes les plateformes
m: des échanges de données entre ENT et logiciels de vie scolaire
m: des formats communs
t: Les parents jonglaient entre l'ENT, Pronote et trois autres applications : il faut {m}.
t: Nous demandons {m}, pour que les outils se parlent enfin.
t: Avec {m}, on éviterait de ressaisir les mêmes informations dans plusieurs logiciels.
t: L'interopérabilité, c'est la clé, et cela passe par {m}.
h: Définir un cadre d'interopérabilité
h: Des outils qui se parlent
h: Des standards ouverts pour l'éducation
## 36
m: un cloud souverain
m: l'hébergement des données scolaires en Europe
m: le programme européen GAIA-X
m: des serveurs situés en France
m: une infrastructure européenne pour les données scolaires
m: un hébergement public des données des élèves
t: Les données des élèves ne doivent pas partir hors d'Europe : il faut {m}.
t: Nous soutenons {m} pour héberger les données scolaires.
t: Avec {m}, l'école ne dépendrait plus des grandes plateformes étrangères.
t: La souveraineté numérique passe par {m}.
h: Un cloud souverain pour l'éducation
h: Héberger les données scolaires en Europe
h: Intégrer GAIA-X
## 37
m: une plateforme de données d'éducation
m: l'Education Data Hub
m: des données ouvertes sur l'éducation
m: un entrepôt de données anonymisées
m: des indicateurs partagés sur les usages du numérique
m: un accès des chercheurs aux données éducatives
t: Pendant la crise, personne ne savait combien d'élèves avaient décroché : il faut {m}.
t: Nous proposons {m} pour piloter à partir de données fiables.
t: Avec {m}, les chercheurs et les académies pourraient analyser les usages.
t: Les données sont dispersées dans chaque logiciel : {m}, c'est indispensable.
h: Créer l'Education Data Hub
h: Une plateforme de données d'éducation
h: Piloter avec des données fiables
## 38
m: les logiciels libres
m: les ressources éducatives libres
m: des outils open source
m: des licences libres pour les productions des enseignants
m: les solutions libres comme alternatives aux géants du numérique
m: les ressources partagées sous licence libre
t: Il faut encourager {m} plutôt que de payer des licences chaque année.
t: Nous proposons de privilégier {m} dans les écoles et les établissements.
t: Avec {m}, les enseignants pourraient partager et modifier les ressources librement.
t: Pendant le confinement, {m} ont montré qu'on pouvait se passer des grandes plateformes.
h: Encourager les logiciels libres
h: Des ressources éducatives libres
h: Partager sous licence libre
## 39
m: des tiers lieux ouverts
m: des espaces numériques ouverts dans les quartiers
m: des lieux d'accès au numérique le soir et le week-end
m: des médiathèques équipées pour les élèves
m: des espaces de travail partagés pour les familles
m: des lieux ouverts aux élèves sans connexion
t: Tous les élèves n'ont pas un endroit calme pour travailler : il faut {m}.
t: Nous proposons {m}, avec des médiateurs numériques.
t: Avec {m}, les élèves auraient pu venir imprimer leurs devoirs et se connecter.
t: Les tiers lieux, c'est l'avenir : {m} permettraient de réunir élèves, parents et
   associations.
h: Mettre en place des tiers lieux ouverts
h: Des lieux ouverts pour travailler
h: Des tiers lieux dans les quartiers
## 40
m: l'offre numérique éducative française
m: les entreprises françaises de l'EdTech
m: les ressources produites en France
m: l'export des solutions éducatives françaises
m: le savoir-faire français en éducation numérique
m: les solutions françaises à l'international
t: Il faut promouvoir {m} plutôt que de se tourner vers des outils étrangers.
t: Nous proposons de mieux faire connaître {m}, en France comme à l'étranger.
t: L'État devrait appuyer le développement à l'international en valorisant {m}.
t: Le confinement a montré que nous avions de vrais atouts, notamment {m}.
h: Promouvoir l'offre numérique française
h: Soutenir l'EdTech française
h: Le numérique éducatif français à l'international
"""

# Generic sentences. A section "x.y" is extended by "x.y.<niveau>" (1er, 2nd, transversal).
_GENERIC = """
## ouverture.enseignant
-: J'enseigne en {classe} {lieu}.
-: Enseignant depuis {n_ans} ans, je n'avais jamais connu une situation pareille.
-: Voici le retour d'expérience de notre équipe pédagogique.
-: Je souhaite partager ce que nous avons vécu avec ma classe pendant le confinement.
-: Professeure {lieu}, je témoigne de ces semaines de continuité pédagogique.
## ouverture.enseignant.1er
-: Je suis professeure des écoles dans une classe de {classe} {lieu}.
-: Je suis professeur des écoles et j'ai une classe à double niveau {lieu}.
## ouverture.enseignant.2nd
-: Je suis professeur de {discipline} dans un collège {lieu}.
-: Professeure de {discipline} en lycée, j'avais notamment une classe de {classe}.
## ouverture.parent
-: Je suis parent de {n_enf} enfants scolarisés {lieu}.
-: Maman d'un élève de {classe}, je voulais apporter mon témoignage.
-: Papa de deux enfants, je raconte comment nous avons vécu l'école à la maison.
-: En tant que parents, nous avons vécu le confinement comme une vraie épreuve.
-: Notre fille est en {classe} et notre fils est à l'école maternelle.
## ouverture.eleve
-: Je suis en {classe} {lieu}.
-: Je suis lycéenne et je voulais donner mon avis.
-: En tant qu'élève, je peux dire que ce n'était pas facile.
-: Je suis collégien et voici mon expérience.
## ouverture.direction
-: Voici le retour de notre équipe de direction.
-: Je voudrais revenir sur l'organisation mise en place pendant la fermeture.
## ouverture.direction.1er
-: Directrice d'une école de {n_classes} classes {lieu}, je partage notre expérience.
-: Je dirige une école {lieu} et je voudrais témoigner.
## ouverture.direction.2nd
-: En tant que chef d'établissement, je voudrais revenir sur cette période.
-: Principal d'un collège {lieu}, je rends compte de l'organisation mise en place.
## ouverture.inspection
-: Ce retour s'appuie sur les visites et les échanges menés avec les équipes.
## ouverture.inspection.1er
-: En tant qu'inspectrice de l'éducation nationale, j'ai accompagné une trentaine d'écoles
   pendant le confinement.
-: Dans notre circonscription, les écoles ont réagi très vite.
## ouverture.inspection.2nd
-: IA-IPR de {discipline}, j'ai suivi les équipes de plusieurs établissements.
## ouverture.vie_scolaire
-: CPE dans un collège {lieu}, j'ai passé une grande partie du confinement au téléphone avec
   les familles.
-: Conseillère principale d'éducation, je voudrais témoigner du travail de la vie scolaire.
## ouverture.collectivite
-: Notre commune compte trois écoles et nous avons dû réagir dans l'urgence.
-: Élue en charge des affaires scolaires, je rends compte de l'action de la commune.
-: Le service éducation du département a suivi de près la continuité pédagogique dans les
   collèges.
## ouverture.neutre
-: Voici un retour d'expérience sur la période de confinement.
-: Ce témoignage porte sur la continuité pédagogique entre mars et juin 2020.
-: Nous souhaitons partager quelques constats.
## contexte
-: Dès le 16 mars, nous avons basculé sur {outil}.
-: Les premiers jours, {outil_num} ne répondait plus et personne ne pouvait se connecter.
-: Nous avons surtout utilisé {outil} et {outil2}.
-: Pour les familles les plus éloignées du numérique, il a fallu passer par {outil_low}.
-: Le travail était envoyé chaque lundi via {outil}.
-: Pendant huit semaines, la continuité pédagogique a reposé presque entièrement sur {outil}.
-: Après le 11 mai, il a fallu gérer en même temps les élèves revenus en classe et ceux restés
   à la maison.
-: Le retour de tous les élèves le 22 juin s'est fait dans des conditions sanitaires très
   strictes.
-: Personne n'était préparé à une fermeture aussi brutale des écoles.
-: Au début, chacun a fait comme il pouvait, avec les moyens du bord.
-: Les consignes changeaient parfois d'un jour à l'autre.
-: Le rythme des classes virtuelles a été difficile à trouver.
-: Avec la rentrée de septembre, la crainte d'une nouvelle fermeture est dans toutes les
   têtes.
## ressenti.enseignant
-: J'ai passé mes soirées à corriger des photos de cahiers.
-: Nous avons travaillé beaucoup plus que d'habitude, souvent tard le soir.
-: Les élèves m'ont beaucoup manqué.
-: L'entraide entre collègues a été formidable.
-: J'ai eu le sentiment de perdre une partie de mes élèves.
-: Je suis fière de ce que nous avons réussi à maintenir.
## ressenti.parent
-: C'était épuisant de télétravailler et de faire l'école à la maison en même temps.
-: Les enfants ont perdu le rythme au bout de quelques semaines.
-: On s'est sentis un peu seuls face aux devoirs.
-: Avec un seul ordinateur pour toute la famille, c'était compliqué.
-: Heureusement, la maîtresse appelait régulièrement.
-: Franchement, certains jours on n'y arrivait plus.
## ressenti.eleve
-: Je n'arrivais pas à me concentrer à la maison.
-: Les profs envoyaient beaucoup de travail en même temps.
-: Mes amis me manquaient.
-: Au début c'était bien, puis c'est devenu long.
-: Je ne comprenais pas toujours les consignes.
## ressenti.direction
-: L'équipe a fait preuve d'une mobilisation remarquable.
-: Il a fallu réorganiser le fonctionnement chaque semaine.
-: La charge de travail de l'équipe de direction a été considérable.
-: Les relations avec les familles se sont renforcées pendant cette période.
## ressenti.inspection
-: Les équipes ont fait preuve d'une grande réactivité.
-: Les situations étaient très contrastées d'une école à l'autre.
-: Beaucoup d'enseignants ont été fragilisés par cette période.
## ressenti.vie_scolaire
-: Certains élèves ne donnaient plus aucune nouvelle.
-: Le lien avec les familles a été notre priorité.
-: Nous avons appelé chaque semaine les élèves les plus fragiles.
## ressenti.collectivite
-: Les services de la commune ont été très sollicités.
-: Nous avons travaillé en lien étroit avec les directeurs d'école.
-: La crise a montré l'importance du partenariat entre l'État et les collectivités.
## ressenti.neutre
-: Cette période a été difficile pour tout le monde.
-: Les inégalités se sont creusées pendant le confinement.
-: Beaucoup d'initiatives sont nées sur le terrain.
## logistique
-: Des photocopies étaient déposées à la mairie pour les familles sans imprimante.
-: Les devoirs étaient rendus en photo par téléphone.
-: Nous avons appelé chaque famille au moins une fois par semaine.
-: Un planning hebdomadaire était envoyé aux familles le vendredi.
-: Les classes virtuelles avaient lieu le matin pour laisser l'après-midi au travail personnel.
-: Certains élèves venaient chercher des pochettes de travail à l'école.
-: L'imprimante de la maison a tourné tous les jours.
-: Les codes d'accès à l'ENT ont dû être redistribués à de nombreuses familles.
-: Les fiches de travail étaient envoyées par courriel, puis par courrier pour ceux qui
   n'avaient pas internet.
## cloture
-: Merci de nous avoir lus.
-: J'espère que ce retour sera utile.
-: Il faut tirer les leçons de cette période.
-: Bon courage à toutes et à tous.
-: Il ne faudrait pas que tout cela soit oublié.
-: Cordialement.
## cloture.eleve
-: Voilà, c'est mon avis.
## cloture.parent
-: Merci aux enseignants pour leur engagement.
## commentaire.accord
-: Tout à fait d'accord avec cette proposition.
-: Je soutiens à 100 %.
-: Très bonne idée !
-: Entièrement d'accord, c'est exactement ce que nous avons vécu.
-: Je plussoie.
-: Oui, c'est indispensable.
## commentaire.nuance
-: C'est une bonne idée, mais qui va financer ?
-: D'accord sur le principe, mais attention à la charge de travail.
-: Pourquoi pas, à condition que les enseignants soient associés.
-: Je suis plus réservé, tout dépendra de la mise en œuvre.
## commentaire.desaccord
-: Je ne suis pas d'accord.
-: Ce n'est pas la priorité à mon avis.
-: On a déjà essayé, cela n'a rien donné.
## commentaire.ajout
-: J'ajouterais un point.
-: Autre chose d'important.
-: Il manque quelque chose dans cette proposition.
## commentaire.digression
-: Un peu hors sujet, mais c'est important.
-: Cela rejoint une autre question.
-: Je profite de ce fil pour parler d'autre chose.
## synthese.intro.syndicat
-: {nom} représente des personnels de l'éducation nationale dans toutes les académies.
-: Pour préparer cette contribution, nous avons consulté nos sections départementales et nos
   adhérents.
-: Les personnels ont tenu l'école à bout de bras pendant le confinement, souvent avec leurs
   propres moyens.
## synthese.intro.parents
-: {nom} rassemble des parents d'élèves de la maternelle au lycée.
-: Cette contribution s'appuie sur une enquête menée auprès des familles adhérentes au
   printemps 2020.
-: Les familles ont été en première ligne de la continuité pédagogique.
## synthese.intro.entreprise
-: {nom} conçoit des services numériques pour l'éducation.
-: Pendant le confinement, nos équipes ont accompagné de nombreuses écoles et de nombreux
   établissements.
-: Nous souhaitons apporter le regard des acteurs économiques du numérique éducatif.
## synthese.intro.association
-: {nom} agit depuis plusieurs années pour un numérique éducatif au service de tous.
-: Nos bénévoles et nos salariés ont été très sollicités pendant le confinement.
-: Cette contribution reprend les échanges menés avec nos partenaires de terrain.
## synthese.constat
-: La période de confinement a révélé de fortes inégalités entre les familles.
-: La plupart des enseignants ont maintenu le lien avec leurs élèves, au prix d'un
   investissement personnel considérable.
-: Les outils institutionnels ont connu des difficultés de montée en charge les premiers
   jours.
-: Les usages se sont concentrés sur {outil} et {outil2}.
-: Une partie des élèves n'a pu être jointe que par {outil_low}.
-: Les situations ont été très contrastées selon les territoires.
-: Le confinement a agi comme un révélateur des forces et des faiblesses du système éducatif.
-: Les familles ont dû assumer un rôle nouveau dans les apprentissages.
-: Les échanges entre les écoles et les collectivités ont été déterminants.
-: Le besoin d'un cadre clair et partagé a été exprimé à de nombreuses reprises.
-: Le retour en classe au mois de juin a montré combien le lien direct reste essentiel.
## synthese.cadrage
-: Ce point a fait l'objet d'un large consensus.
-: Plusieurs exemples concrets ont été cités.
-: Cette attente a été exprimée avec force.
-: Les participants ont insisté sur ce point.
-: Cette mesure devrait être engagée rapidement.
-: Sa mise en œuvre suppose un financement pérenne.
-: Il s'agit d'une attente ancienne que la crise a rendue plus urgente.
## synthese.region.orga
-: Les États généraux territoriaux se sont tenus entre le 14 septembre et le 16 octobre 2020.
-: Ont participé des enseignants, des personnels de direction, des inspecteurs, des parents
   d'élèves, des élus et des associations.
-: Les ateliers ont été animés par les délégués académiques au numérique, avec l'appui de
   Réseau Canopé.
-: Les contributions recueillies ont ensuite été priorisées lors d'un atelier de synthèse.
## synthese.region.complement
-: Ce document complète le retour principal de la région académique.
-: Les académies ont souhaité approfondir certains sujets lors d'ateliers supplémentaires.
## synthese.vigilance
-: Les participants ont rappelé que le numérique ne remplace pas la présence en classe.
-: La question du temps de travail des personnels doit être prise en compte.
-: Les moyens annoncés devront être pérennes.
-: Les disparités entre territoires ruraux et urbains devront faire l'objet d'un suivi.
-: Toute mesure nouvelle devra être accompagnée d'un temps d'appropriation.
## synthese.conclusion
-: Nous restons disponibles pour poursuivre le dialogue.
-: Ces propositions doivent maintenant se traduire en actes.
-: La crise a ouvert une fenêtre d'opportunité qu'il ne faut pas refermer.
-: Nous espérons que ces propositions seront entendues lors des États généraux de Poitiers.
## fill.outil
-: l'ENT
-: Pronote
-: la messagerie de l'ENT
-: « Ma classe à la maison » du CNED
-: les classes virtuelles du CNED
-: la visio
-: le téléphone
-: des fiches papier
-: le courriel
-: des groupes de messagerie instantanée
-: le cahier de textes en ligne
## fill.outil_num
-: l'ENT
-: Pronote
-: la messagerie de l'ENT
-: la plateforme du CNED
-: le cahier de textes en ligne
-: l'application de vie scolaire
## fill.outil_low
-: le téléphone
-: des fiches papier déposées en mairie
-: des SMS
-: des envois par courrier postal
-: des photocopies distribuées devant l'école
## fill.classe
-: CP
-: CE1
-: CE2
-: CM1
-: CM2
-: 6e
-: 5e
-: 4e
-: 3e
-: seconde
-: première
-: terminale
## fill.classe.1er
-: CP
-: CE1
-: CE2
-: CM1
-: CM2
-: grande section
## fill.classe.2nd
-: 6e
-: 5e
-: 4e
-: 3e
-: seconde
-: première
-: terminale
## fill.discipline
-: mathématiques
-: français
-: histoire-géographie
-: sciences de la vie et de la Terre
-: physique-chimie
-: anglais
-: technologie
-: éducation physique et sportive
-: lettres modernes
-: sciences économiques et sociales
## fill.lieu
-: en zone rurale
-: en éducation prioritaire
-: en REP+
-: en centre-ville
-: dans un quartier prioritaire
-: dans une petite commune de montagne
-: en périphérie d'une grande ville
-: dans un bourg rural
## fill.n_ans
-: cinq
-: dix
-: quinze
-: vingt
-: 12
-: 25
## fill.n_enf
-: deux
-: trois
-: quatre
## fill.n_classes
-: trois
-: cinq
-: huit
-: douze
## fill.contexte_titre
-: Confinement
-: Continuité pédagogique
-: École à la maison
-: Classe à distance
-: Retour d'expérience
-: Déconfinement
## fill.prenom
-: camille
-: lea
-: manon
-: chloe
-: sarah
-: julie
-: marie
-: nathalie
-: isabelle
-: sophie
-: sandrine
-: celine
-: aurelie
-: emilie
-: claire
-: anne
-: lucas
-: hugo
-: thomas
-: nicolas
-: julien
-: maxime
-: antoine
-: pierre
-: laurent
-: stephane
-: olivier
-: david
-: eric
-: frederic
-: karim
-: yasmine
-: ines
-: nadia
-: mehdi
-: samir
-: fatou
-: moussa
-: kevin
-: jeremy
## fill.pseudo_disc
-: maths
-: hg
-: svt
-: lettres
-: anglais
-: eps
-: techno
-: physique
"""


def _parse_bank(source: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """Parse the line format: ``## section``, ``kind: item`` lines, indented continuations."""
    out: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] | None = None
    last: list[str] | None = None
    for raw in source.splitlines():
        if not raw.strip():
            continue
        if raw.startswith("## "):
            section = out.setdefault(raw[3:].strip(), {})
            last = None
        elif raw[0].isspace():
            if last is None:
                raise ValueError(f"continuation line without an item: {raw!r}")
            last[-1] = f"{last[-1]} {raw.strip()}"
        else:
            kind, sep, text = raw.partition(": ")
            if section is None or not sep:
                raise ValueError(f"malformed bank line: {raw!r}")
            last = section.setdefault(kind, [])
            last.append(text.strip())
    return {name: {k: tuple(v) for k, v in kinds.items()} for name, kinds in out.items()}


@dataclass(frozen=True, slots=True)
class _PropBank:
    """Vocabulary of one proposition: noun phrases, templates, titles, official facts."""

    numero: int
    theme: int  # ground-truth theme (transverse ones mapped through TRANSVERSE_THEME)
    axe: str
    libelle: str
    mots: tuple[str, ...]
    templates: tuple[str, ...]  # hand-written templates
    libelle_templates: tuple[str, ...]  # derived from the libellé (strong cue, used rarely)
    titres: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Catalog:
    """Everything the generators look up, built once from the nomenclatures and banks."""

    props: dict[int, _PropBank]
    by_theme: dict[int, tuple[int, ...]]
    generic: dict[str, tuple[str, ...]]
    zipf_cum: tuple[float, ...]  # cumulative Zipf weights aligned with PROPOSITION_RANKING
    acad_codes: tuple[str, ...]
    acad_labels: tuple[str, ...]
    acad_regions: tuple[str, ...]
    acad_weights: np.ndarray
    regions: tuple[str, ...]  # 18 régions académiques, by code
    region_academies: dict[str, tuple[str, ...]]


def _elide_de(phrase: str) -> str:
    """``de`` + phrase with French elision (``d'organiser``, ``de renforcer``)."""
    return f"d'{phrase}" if phrase[:1].lower() in "aeiouyéèêâîôh" else f"de {phrase}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _cap(text: str) -> str:
    """Capitalise the first letter (skipping leading quotes) and keep the rest as is."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


@cache
def _propositions_table() -> pl.DataFrame:
    """The 40 propositions with ``theme`` as text (39 and 40 are ``transverse``).

    Why not ``nomenclatures.propositions()``: its Int8 ``theme`` cannot hold ``transverse``.
    """
    path = files("egn_analytics.reference") / "_data" / "propositions.csv"
    with path.open("rb") as fh:
        return pl.read_csv(
            fh.read(),
            separator=";",
            schema={"numero": pl.Int64, "theme": pl.String, "axe": pl.String, "libelle": pl.String},
        )


@cache
def _catalog() -> _Catalog:
    bank = _parse_bank(_PROPOSITION_BANK)
    props: dict[int, _PropBank] = {}
    for row in _propositions_table().iter_rows(named=True):
        num = int(row["numero"])
        entry = bank[str(num)]
        theme = TRANSVERSE_THEME[num] if row["theme"] == "transverse" else int(row["theme"])
        lib = _lower_first(str(row["libelle"]))
        props[num] = _PropBank(
            numero=num,
            theme=theme,
            axe=str(row["axe"]),
            libelle=str(row["libelle"]),
            mots=entry["m"],
            templates=entry["t"],
            libelle_templates=(f"Il faudrait {lib}.", f"Notre priorité est {_elide_de(lib)}."),
            titres=entry["h"],
        )
    if sorted(props) != list(range(1, 41)) or sorted(PROPOSITION_RANKING) != list(range(1, 41)):
        raise ValueError("the text banks must cover exactly the 40 propositions")
    by_theme: dict[int, list[int]] = {}
    for num in sorted(props):
        by_theme.setdefault(props[num].theme, []).append(num)
    generic = {name: kinds["-"] for name, kinds in _parse_bank(_GENERIC).items()}
    weights = [1.0 / (rank**ZIPF_EXPONENT) for rank in range(1, 41)]
    cum = tuple(float(x) for x in np.cumsum(weights))
    acad = academies()
    codes = tuple(acad["code_academie"].to_list())
    regions_by_acad = tuple(acad["region_academique"].to_list())
    region_order = acad.sort("code_region_academique")["region_academique"].unique(
        maintain_order=True
    )
    region_academies: dict[str, list[str]] = {}
    for label, region in zip(acad["academie"].to_list(), regions_by_acad, strict=True):
        region_academies.setdefault(region, []).append(label)
    return _Catalog(
        props=props,
        by_theme={k: tuple(v) for k, v in by_theme.items()},
        generic=generic,
        zipf_cum=cum,
        acad_codes=codes,
        acad_labels=tuple(acad["academie"].to_list()),
        acad_regions=regions_by_acad,
        acad_weights=np.array([_ACADEMIE_POIDS.get(c, 200) for c in codes], dtype=float),
        regions=tuple(region_order.to_list()),
        region_academies={k: tuple(v) for k, v in region_academies.items()},
    )


# --------------------------------------------------------------------------------------------
# Fast scalar draws and template filling
# --------------------------------------------------------------------------------------------


class _Draw:
    """Scalar draws served from blocks of uniforms of one numpy generator.

    Why: building ~10,000 texts needs ~10^6 tiny choices; calling numpy per choice costs
    microseconds, a Python list lookup costs ~100 ns. The stream stays fully seeded.
    """

    _BLOCK = 1 << 15

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._buf: list[float] = []
        self._i = 0

    def u(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._rng.random(self._BLOCK).tolist()
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value

    def chance(self, p: float) -> bool:
        return self.u() < p

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.u() * len(seq))]

    def integer(self, lo: int, hi: int) -> int:
        """Uniform integer in ``[lo, hi]`` (both included)."""
        return lo + int(self.u() * (hi - lo + 1))

    def weighted(self, items: Sequence[T], cum: Sequence[float]) -> T:
        idx = bisect.bisect_right(cum, self.u() * cum[-1])
        return items[min(idx, len(items) - 1)]

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        """``k`` distinct items in drawn order (partial Fisher-Yates)."""
        pool = list(seq)
        k = min(k, len(pool))
        for i in range(k):
            j = i + int(self.u() * (len(pool) - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


class _Slots(dict[str, str]):
    """Lazy placeholder values for ``str.format_map``: only used placeholders are drawn.

    ``{x}`` draws from the pool of ``x``; ``{x2}`` draws a value different from ``{x}``;
    ``{X}`` is ``{x}`` capitalised. ``m`` is the noun-phrase bank of the current proposition.
    """

    def __init__(
        self,
        draw: _Draw,
        cat: _Catalog,
        niveau: str,
        mots: Sequence[str] = (),
        fixed: dict[str, str] | None = None,
    ) -> None:
        super().__init__(fixed or {})
        self._draw = draw
        self._cat = cat
        self._niveau = niveau
        self._mots = mots

    def _pool(self, key: str) -> Sequence[str]:
        if key == "m":
            return self._mots
        gen = self._cat.generic
        return gen.get(f"fill.{key}.{self._niveau}") or gen[f"fill.{key}"]

    def __missing__(self, key: str) -> str:
        lower = key[:1].lower() + key[1:]
        if lower != key:
            value = _cap(self[lower])
        elif key.endswith("2"):
            first = self[key[:-1]]
            pool = self._pool(key[:-1])
            value = first
            for _ in range(8):
                value = self._draw.pick(pool)
                if value != first:
                    break
        else:
            value = self._draw.pick(self._pool(key))
        self[key] = value
        return value


class _Writer:
    """Sentence producer for one corpus: fills templates and picks generic sentences."""

    def __init__(self, draw: _Draw, cat: _Catalog) -> None:
        self.draw = draw
        self.cat = cat

    def generic_pool(self, name: str, niveau: str = "transversal") -> tuple[str, ...]:
        gen = self.cat.generic
        return gen.get(name, ()) + gen.get(f"{name}.{niveau}", ())

    def fill(self, template: str, niveau: str, mots: Sequence[str] = (), **fixed: str) -> str:
        return template.format_map(_Slots(self.draw, self.cat, niveau, mots, fixed))

    def generic(self, name: str, niveau: str = "transversal", **fixed: str) -> str:
        return self.fill(self.draw.pick(self.generic_pool(name, niveau)), niveau, **fixed)

    def prop_sentences(self, num: int, k: int, niveau: str, libelle_p: float = 0.08) -> list[str]:
        """``k`` sentences about proposition ``num``, distinct templates while they last."""
        bank = self.cat.props[num]
        order = self.draw.sample(bank.templates, len(bank.templates))
        out = []
        for i in range(k):
            if i == 0 and self.draw.chance(libelle_p):
                template = self.draw.pick(bank.libelle_templates)
            else:
                template = order[i % len(order)]
            sentence = self.fill(template, niveau, bank.mots)
            for _ in range(6):  # a reused template must not repeat a sentence verbatim
                if sentence not in out:
                    break
                sentence = self.fill(self.draw.pick(bank.templates), niveau, bank.mots)
            out.append(sentence)
        return out

    def choose_props(
        self,
        bias: Sequence[int] = (),
        bias_p: float = 0.35,
        second_p: float = 0.35,
        third_p: float = 0.08,
        exclude: frozenset[int] = frozenset(),
    ) -> list[int]:
        """Main proposition (Zipf, or the author's usual topics) plus optional related ones."""
        draw = self.draw
        main = draw.pick(bias) if bias and draw.chance(bias_p) else self.zipf(exclude)
        if main in exclude:
            main = self.zipf(exclude)
        chosen = [main]
        for p in (second_p, third_p):
            if not draw.chance(p):
                break
            related = draw.chance(0.6)
            base = self.cat.by_theme[self.cat.props[main].theme] if related else PROPOSITION_RANKING
            pool = [x for x in base if x not in chosen and x not in exclude]
            if pool:
                chosen.append(self.zipf_among(pool))
        return chosen

    def zipf(self, exclude: frozenset[int] = frozenset()) -> int:
        for _ in range(50):
            num = self.draw.weighted(PROPOSITION_RANKING, self.cat.zipf_cum)
            if num not in exclude:
                return num
        return next(x for x in PROPOSITION_RANKING if x not in exclude)

    def zipf_among(self, pool: Sequence[int]) -> int:
        ranks = {num: i + 1 for i, num in enumerate(PROPOSITION_RANKING)}
        cum = np.cumsum([1.0 / ranks[x] ** ZIPF_EXPONENT for x in pool]).tolist()
        return self.draw.weighted(pool, cum)


# --------------------------------------------------------------------------------------------
# Text assembly and degradation
# --------------------------------------------------------------------------------------------


def _n_words(sentences: Sequence[str]) -> int:
    return sum(len(s.split()) for s in sentences)


def _strip_accents(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in norm if not unicodedata.combining(c)))


_WORD = re.compile(r"\b[a-zàâçéèêëîïôûùüœ]{5,}\b")


def _degrade(text: str, draw: _Draw, accents_p: float = 0.05, swap_p: float = 0.05) -> str:
    """Typos real contributors make: no accents at all, or a few swapped letters."""
    if draw.chance(accents_p):
        text = _strip_accents(text)
    if draw.chance(swap_p):
        words = list(_WORD.finditer(text))
        if words:
            for _ in range(draw.integer(1, 3)):
                match = draw.pick(words)
                w = match.group(0)
                i = draw.integer(1, len(w) - 2)
                w2 = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
                text = text[: match.start()] + w2 + text[match.end() :]
                words = list(_WORD.finditer(text))
    return text


def _compose(
    wr: _Writer,
    props: Sequence[int],
    register: str,
    niveau: str,
    *,
    target: int,
    min_words: int,
    max_words: int,
    n_main: int,
    opening_p: float,
    closing_p: float,
    context_k: int,
) -> list[str]:
    """Sentences of one contribution: opening, context, main and side propositions, fillers.

    The main proposition always gets strictly more sentences than any other one, so that the
    first proposition of the ground truth is the dominant topic.
    """
    draw = wr.draw
    if len(props) > 1:
        n_main = max(n_main, 2)
    head: list[str] = []
    if draw.chance(opening_p):
        head.append(wr.generic(f"ouverture.{register}", niveau))
    seen: set[str] = set()
    for _ in range(context_k):
        sentence = wr.generic("contexte", niveau)
        if _key(sentence) not in seen:
            seen.add(_key(sentence))
            head.append(sentence)
    body = wr.prop_sentences(props[0], n_main, niveau)
    for side in props[1:]:
        k = 1 if n_main <= 2 else draw.integer(1, n_main - 1)
        sentences = wr.prop_sentences(side, k, niveau, libelle_p=0.0)
        for s in sentences:
            body.insert(draw.integer(1, len(body)), s)
    tail: list[str] = []
    if draw.chance(closing_p):
        tail.append(wr.generic("cloture", niveau) if draw.chance(0.6) else _closing(wr, register))
    fillers = ("contexte", f"ressenti.{register}", "logistique", f"ressenti.{register}")
    total = _n_words(head) + _n_words(body) + _n_words(tail)
    seen.update(_key(x) for x in (*head, *body, *tail))
    tries = 0
    while (total < target or total < min_words) and tries < 200:
        tries += 1
        sentence = wr.generic(draw.pick(fillers), niveau)
        if _key(sentence) in seen:
            continue
        if total + len(sentence.split()) > max_words:
            break
        seen.add(_key(sentence))
        body.insert(draw.integer(0, len(body)), sentence)
        total += len(sentence.split())
    return head + body + tail


def _key(sentence: str) -> str:
    """Template identity of a generic sentence (its first words) to avoid near-repeats."""
    return " ".join(sentence.split()[:4])


def _closing(wr: _Writer, register: str) -> str:
    pool = wr.cat.generic.get(f"cloture.{register}") or wr.cat.generic["cloture"]
    return wr.draw.pick(pool)


def _join(sentences: Sequence[str], draw: _Draw, paragraph_p: float = 0.0) -> str:
    """Join sentences; with ``paragraph_p`` cut the text into 2-3 paragraphs."""
    if len(sentences) >= 6 and draw.chance(paragraph_p):
        cuts = sorted(draw.sample(range(2, len(sentences) - 1), draw.integer(1, 2)))
        parts, start = [], 0
        for cut in [*cuts, len(sentences)]:
            parts.append(" ".join(sentences[start:cut]))
            start = cut
        return "\n\n".join(parts)
    return " ".join(sentences)


def _target_words(draw: _Draw, median: float, sigma: float, lo: int, hi: int) -> int:
    """Log-normal-ish length (Box-Muller on our uniforms), clipped to ``[lo, hi]``."""
    u1, u2 = max(draw.u(), 1e-12), draw.u()
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
    return int(min(max(median * math.exp(sigma * z), lo), hi))


def _truth(source: str, ident: str, props: Sequence[int], cat: _Catalog) -> dict[str, object]:
    return {
        "source": source,
        "id": ident,
        "theme": cat.props[props[0]].theme,
        "propositions": "|".join(str(p) for p in props),
    }


# --------------------------------------------------------------------------------------------
# Dates and territorial draws (vectorised)
# --------------------------------------------------------------------------------------------


def _dates(offsets: np.ndarray, start: date) -> np.ndarray:
    return np.datetime64(start.isoformat(), "D") + offsets.astype("timedelta64[D]")


def _span(start: date, end: date) -> int:
    return (end - start).days


def _academie_draw(rng: np.random.Generator, cat: _Catalog, n: int) -> np.ndarray:
    p = cat.acad_weights / cat.acad_weights.sum()
    return rng.choice(len(cat.acad_codes), size=n, p=p)


def _labels(idx: np.ndarray, labels: Sequence[str]) -> pl.Series:
    """Category labels from integer codes; ``-1`` becomes null."""
    return pl.Series(idx.astype(np.int64)).replace_strict(
        list(range(len(labels))), list(labels), default=None, return_dtype=pl.String
    )


def _ordinal(z: np.ndarray, cuts: Sequence[float]) -> np.ndarray:
    """Index of the label: 0 above the first (highest) cut, then down."""
    return np.searchsorted(-np.asarray(cuts), -z, side="right").astype(np.int64)


def _scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale))


# --------------------------------------------------------------------------------------------
# RETEX
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Retex:
    frame: pl.DataFrame
    truth: list[dict[str, object]]


def _gen_retex(rng: np.random.Generator, cat: _Catalog, n: int) -> _Retex:
    draw = _Draw(rng)
    wr = _Writer(draw, cat)
    span = _span(RETEX_START, RETEX_END)
    # Most RETEX are written during the closure, a second wave after the summer.
    during = 2.0 + rng.exponential(25.0, n)
    after = rng.uniform(_span(RETEX_START, date(2020, 8, 31)), span, n)
    offsets = np.where(rng.random(n) < 0.75, during, after).clip(0, span).astype(np.int64)
    order = np.argsort(offsets, kind="stable")
    offsets = offsets[order]
    acad = _academie_draw(rng, cat, n)
    auteur_w = np.array([a[1] for a in _RETEX_AUTEURS], dtype=float)
    auteur = rng.choice(len(_RETEX_AUTEURS), size=n, p=auteur_w / auteur_w.sum())
    niv_u = rng.random(n)

    rows: dict[str, list[object]] = {k: [] for k in ("type_auteur", "niveau", "titre", "texte")}
    truth = []
    for i in range(n):
        label, _, register, niv_p = _RETEX_AUTEURS[int(auteur[i])]
        niveau = _NIVEAUX[int(np.searchsorted(np.cumsum(niv_p), niv_u[i], side="right"))]
        niv_key = _NIVEAU_KEY[niveau]
        props = wr.choose_props(bias=_BIAS_RETEX[label])
        target = _target_words(draw, 170.0, 0.45, 70, 380)
        sentences = _compose(
            wr, props, register, niv_key, target=target, min_words=60, max_words=400,
            n_main=draw.integer(2, 4), opening_p=0.8, closing_p=0.5,
            context_k=draw.integer(1, 2),
        )  # fmt: skip
        texte = _degrade(_join(sentences, draw, paragraph_p=0.3), draw)
        rows["type_auteur"].append(label)
        rows["niveau"].append(niveau)
        rows["titre"].append(_retex_title(wr, props[0]))
        rows["texte"].append(texte)
        truth.append(_truth("retex", f"RETEX-{i + 1:04d}", props, cat))
    frame = pl.DataFrame(
        {
            "id_retex": [f"RETEX-{i + 1:04d}" for i in range(n)],
            "academie": [cat.acad_labels[int(a)] for a in acad],
            "code_academie": [cat.acad_codes[int(a)] for a in acad],
            "date": _dates(offsets, RETEX_START),
            **{k: pl.Series(v, dtype=pl.String) for k, v in rows.items()},
        }
    )
    return _Retex(frame, truth)


def _retex_title(wr: _Writer, main: int) -> str:
    draw = wr.draw
    titre = draw.pick(wr.cat.props[main].titres)
    style = draw.integer(0, 3)
    if style == 1:
        return f"{titre} : retour d'expérience"
    if style == 2:
        return f"{draw.pick(wr.cat.generic['fill.contexte_titre'])} : {_lower_first(titre)}"
    if style == 3:
        return f"{titre} ({draw.pick(wr.cat.generic['fill.lieu'])})"
    return titre


def _retex_documents(retex: pl.DataFrame, rng: np.random.Generator) -> list[tuple[str, str, str]]:
    """A few RETEX as loose files: (file name, format, content). Copies of CSV rows."""
    n = retex.height
    k = min(n, max(3, round(0.05 * n)))
    chosen = np.sort(rng.choice(n, size=k, replace=False))
    out = []
    for j, i in enumerate(chosen.tolist()):
        row = retex.row(i, named=True)
        day: date = row["date"]
        auteur = f"{row['type_auteur']} ({row['niveau']})"
        if j % 2 == 0:
            name = f"{row['id_retex']}_SYNTHETIQUE.md"
            body = (
                f"# {row['titre']}\n\n"
                f"Académie : {row['academie']}  \n"
                f"Date : {day.isoformat()}  \n"
                f"Identifiant : {row['id_retex']}  \n"
                f"Auteur : {auteur}\n\n"
                f"{row['texte']}\n\n---\n\n*{SYNTHETIC_MARK}*\n"
            )
            out.append((name, "md", body))
        else:
            name = f"{row['id_retex']}_SYNTHETIQUE.txt"
            body = (
                f"Titre : {row['titre']}\n"
                f"Académie : {row['academie']}\n"
                f"Date : {day.strftime('%d/%m/%Y')}\n"
                f"Identifiant : {row['id_retex']}\n"
                f"Auteur : {auteur}\n\n"
                f"{row['texte']}\n\n{SYNTHETIC_MARK}\n"
            )
            out.append((name, "txt", body))
    return out


# --------------------------------------------------------------------------------------------
# Questionnaire (vectorised closed answers, Python free texts for ~15 % of rows)
# --------------------------------------------------------------------------------------------


def _gen_questionnaire(
    rng: np.random.Generator, cat: _Catalog, n: int
) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    draw = _Draw(rng)
    wr = _Writer(draw, cat)
    span = _span(PLATFORM_START, QUESTIONNAIRE_END)
    early = rng.exponential(18.0, n)
    late = rng.uniform(0, span, n)
    offsets = np.where(rng.random(n) < 0.6, early, late).clip(0, span).astype(np.int64)
    offsets.sort(kind="stable")

    prof_w = np.array([w for _, w in _Q_PROFILS])
    prof = rng.choice(len(_Q_PROFILS), size=n, p=prof_w / prof_w.sum())
    names = [p for p, _ in _Q_PROFILS]
    is_pupil_side = np.isin(prof, [names.index("parent"), names.index("élève")])
    is_staff = np.isin(prof, [names.index("enseignant"), names.index("personnel d'encadrement")])
    acad = _academie_draw(rng, cat, n)
    drom = np.isin(np.array(cat.acad_codes)[acad], sorted(_DROM_ACADEMIES))

    shift = (
        np.select([is_staff, prof == names.index("élève")], [0.4, -0.1], default=0.0) - 0.6 * drom
    )
    eq = rng.normal(0.0, 1.0, n) + shift
    conn = 0.6 * eq + 0.8 * rng.normal(0.0, 1.0, n)
    follow = 0.5 * eq + 0.3 * conn + 0.8 * rng.normal(0.0, 1.0, n)
    exch = 0.4 * follow + rng.normal(0.0, 1.0, n)
    accomp = 0.5 * follow + rng.normal(0.0, 1.0, n)

    q_eq = _ordinal(eq, [0.0, -1.0])
    q_conn = _ordinal(conn, [0.5, -0.7, -1.6])
    q_suivi = np.where(is_pupil_side, _ordinal(follow, [0.3, -0.5, -1.2]), -1)
    q_cont = np.where(is_staff, _ordinal(follow + 0.5, [0.5, -0.3, -1.2]), -1)
    q_exch = _ordinal(exch, [0.8, -0.2, -1.1])
    q_acc = _ordinal(accomp, [0.9, -0.1, -1.0])
    keep_u = rng.random(n) - 0.1 * is_staff
    q_keep = np.searchsorted([0.62, 0.80], keep_u, side="right")

    tool_p_staff = np.array([0.28, 0.22, 0.15, 0.12, 0.15, 0.03, 0.03, 0.02])
    tool_p_home = np.array([0.25, 0.25, 0.10, 0.10, 0.12, 0.06, 0.08, 0.04])
    tool_p_low = np.array([0.10, 0.15, 0.05, 0.05, 0.05, 0.30, 0.27, 0.03])
    tool_u = rng.random(n)
    cum_staff, cum_home, cum_low = (np.cumsum(p) for p in (tool_p_staff, tool_p_home, tool_p_low))
    q_tool = np.select(
        [q_eq == 2, is_staff],
        [
            np.searchsorted(cum_low, tool_u * cum_low[-1], side="right"),
            np.searchsorted(cum_staff, tool_u * cum_staff[-1], side="right"),
        ],
        default=np.searchsorted(cum_home, tool_u * cum_home[-1], side="right"),
    ).clip(0, len(_OUTILS) - 1)

    answers = {
        Q_SUIVI: (q_suivi, _SUIVI),
        Q_CONTINUITE: (q_cont, _LIKERT_OUI),
        Q_EQUIPEMENT: (q_eq, _EQUIPEMENT),
        Q_CONNEXION: (q_conn, _CONNEXION),
        Q_OUTIL: (q_tool, _OUTILS),
        Q_ECHANGES: (q_exch, _LIKERT_ACCORD),
        Q_ACCOMPAGNEMENT: (q_acc, _LIKERT_OUI),
        Q_CONSERVER: (q_keep, _CONSERVER),
    }
    columns: dict[str, pl.Series] = {}
    for question, (idx, labels) in answers.items():
        missing = rng.random(n) < 0.025  # item non-response
        columns[question] = _labels(np.where(missing, -1, idx), labels)

    text_p = np.select([is_staff, prof == names.index("élève")], [0.19, 0.09], default=0.13)
    has_text = rng.random(n) < text_p
    acad_missing = rng.random(n) < 0.02

    ids = [f"Q-{i + 1:06d}" for i in range(n)]
    texts: list[str | None] = [None] * n
    truth = []
    for i in np.flatnonzero(has_text).tolist():
        profil = names[int(prof[i])]
        register = _PROFIL_REGISTER[profil]
        niveau = _register_niveau(register)
        bias: tuple[int, ...] = _BIAS_PROFIL[profil]
        if q_eq[i] == 2:
            bias = (16, 15, 19, 16, 29)
        elif q_conn[i] >= 2:
            bias = (19, 18, 39, 15)
        props = wr.choose_props(bias=bias, bias_p=0.45, second_p=0.25, third_p=0.0)
        sentences = _compose(
            wr, props, register, niveau, target=_target_words(draw, 35.0, 0.6, 10, 115),
            min_words=10, max_words=120, n_main=draw.integer(1, 2), opening_p=0.15,
            closing_p=0.1, context_k=int(draw.chance(0.4)),
        )  # fmt: skip
        texts[i] = _degrade(" ".join(sentences), draw, accents_p=0.06, swap_p=0.06)
        truth.append(_truth("questionnaire", ids[i], props, cat))

    frame = pl.DataFrame(
        {
            "id_reponse": ids,
            "date": _dates(offsets, PLATFORM_START),
            "profil": _labels(prof, names),
            "academie": _labels(np.where(acad_missing, -1, acad), cat.acad_labels),
            **columns,
            "texte_libre": pl.Series(texts, dtype=pl.String),
        }
    )
    return frame, truth


# --------------------------------------------------------------------------------------------
# Participatory platform: proposals, comments, supports
# --------------------------------------------------------------------------------------------


def _pseudos(draw: _Draw, cat: _Catalog, profils: Sequence[str]) -> list[str]:
    """Unique, plausible forum pseudonyms, styled after the participant's profile."""
    gen = cat.generic
    seen: set[str] = set()
    out = []
    for profil in profils:
        prenom = draw.pick(gen["fill.prenom"])
        nn = f"{draw.integer(1, 99):02d}"
        initiale = draw.pick("abcdefghjklmnprstv")
        styles: tuple[str, ...]
        if profil == "enseignant":
            styles = (
                f"prof_{draw.pick(gen['fill.pseudo_disc'])}{nn}", f"{prenom}{nn}",
                f"{prenom}.{initiale}", f"pe_{prenom}",
            )  # fmt: skip
        elif profil == "parent":
            styles = (f"{prenom}{nn}", f"maman_de_{draw.integer(2, 4)}", f"papa{nn}",
                      f"parent_{prenom}")  # fmt: skip
        elif profil == "élève":
            styles = (f"{prenom}_{draw.pick(gen['fill.classe.2nd'])}",
                      f"{prenom}{draw.integer(3, 8):02d}")  # fmt: skip
        else:
            styles = (f"{prenom}.{initiale}{nn}", f"{initiale}{prenom}", f"{prenom}_{initiale}")
        pseudo = draw.pick(styles).replace(" ", "")
        while pseudo in seen:
            pseudo = f"{pseudo}{draw.integer(0, 9)}"
        seen.add(pseudo)
        out.append(pseudo)
    return out


@dataclass(frozen=True, slots=True)
class _Platform:
    propositions: pl.DataFrame
    commentaires: pl.DataFrame
    soutiens: pl.DataFrame
    truth: list[dict[str, object]]


def _gen_platform(
    rng: np.random.Generator, cat: _Catalog, n_prop: int, n_com: int, n_sup: int
) -> _Platform:
    draw = _Draw(rng)
    wr = _Writer(draw, cat)
    span = _span(PLATFORM_START, PLATFORM_END)

    # Participants: a pool shared by proposals, comments and supports.
    n_people = max(10, round(1.4 * (n_prop + n_com)))
    prof_w = np.array([w for _, w in _P_PROFILS])
    people_prof = [
        _P_PROFILS[int(i)][0]
        for i in rng.choice(len(_P_PROFILS), size=n_people, p=prof_w / prof_w.sum())
    ]
    people = _pseudos(draw, cat, people_prof)
    activity = rng.pareto(1.5, n_people) + 1.0
    activity /= activity.sum()

    # Proposals, dated and numbered in date order.
    offsets = np.where(
        rng.random(n_prop) < 0.55, rng.exponential(20.0, n_prop), rng.uniform(0, span, n_prop)
    ).clip(0, span)
    offsets = np.sort(offsets.astype(np.int64), kind="stable")
    authors = rng.choice(n_people, size=n_prop, p=activity)
    popularity = rng.lognormal(0.0, 1.2, n_prop)
    popularity /= popularity.sum()
    prop_ids = [f"P-{i + 1:04d}" for i in range(n_prop)]
    main_of: list[int] = []
    titres, textes, truth = [], [], []
    for i in range(n_prop):
        profil = people_prof[int(authors[i])]
        register = _PROFIL_REGISTER[profil]
        props = wr.choose_props(bias=_BIAS_PROFIL[profil], second_p=0.3, third_p=0.05)
        main_of.append(props[0])
        sentences = _compose(
            wr, props, register, _register_niveau(register),
            target=_target_words(draw, 90.0, 0.5, 30, 240),
            min_words=30, max_words=250, n_main=draw.integer(2, 4), opening_p=0.35,
            closing_p=0.2, context_k=draw.integer(0, 1),
        )  # fmt: skip
        textes.append(_degrade(_join(sentences, draw, paragraph_p=0.15), draw))
        titre = draw.pick(cat.props[props[0]].titres)
        if draw.chance(0.1):
            titre = f"Proposition : {_lower_first(titre)}"
        elif draw.chance(0.05):
            titre = titre.upper()
        titres.append(titre)
        truth.append(_truth("proposition", prop_ids[i], props, cat))
    prop_dates = _dates(offsets, PLATFORM_START)
    propositions = pl.DataFrame(
        {
            "id_proposition": prop_ids,
            "date": prop_dates,
            "auteur_pseudo": [people[int(a)] for a in authors],
            "profil": [people_prof[int(a)] for a in authors],
            "titre": pl.Series(titres, dtype=pl.String),
            "texte": pl.Series(textes, dtype=pl.String),
        }
    )

    # Comments: on popular proposals, dated on or after the proposal.
    target_prop = rng.choice(n_prop, size=n_com, p=popularity)
    delay = np.floor(rng.exponential(9.0, n_com)).astype(np.int64)
    com_off = np.minimum(offsets[target_prop] + delay, span)
    com_authors = rng.choice(n_people, size=n_com, p=activity)
    order = np.lexsort((target_prop, com_off))
    com_rows: dict[str, list[object]] = {
        "id_commentaire": [], "id_proposition": [], "auteur_pseudo": [], "texte": [],
    }  # fmt: skip
    for j, k in enumerate(order.tolist()):
        cid = f"C-{j + 1:04d}"
        pidx = int(target_prop[k])
        profil = people_prof[int(com_authors[k])]
        texte, props = _comment(wr, main_of[pidx], _PROFIL_REGISTER[profil])
        com_rows["id_commentaire"].append(cid)
        com_rows["id_proposition"].append(prop_ids[pidx])
        com_rows["auteur_pseudo"].append(people[int(com_authors[k])])
        com_rows["texte"].append(texte)
        truth.append(_truth("commentaire", cid, props, cat))
    commentaires = pl.DataFrame(
        {
            "id_commentaire": pl.Series(com_rows["id_commentaire"], dtype=pl.String),
            "id_proposition": pl.Series(com_rows["id_proposition"], dtype=pl.String),
            "date": _dates(com_off[order], PLATFORM_START),
            "auteur_pseudo": pl.Series(com_rows["auteur_pseudo"], dtype=pl.String),
            "texte": pl.Series(com_rows["texte"], dtype=pl.String),
        }
    )

    # Supports: unique (proposal, participant) pairs, never on one's own proposal.
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    batch = max(64, 2 * n_sup)
    for _ in range(20):
        cand_p = rng.choice(n_prop, size=batch, p=popularity)
        cand_a = rng.choice(n_people, size=batch, p=activity)
        for p, a in zip(cand_p.tolist(), cand_a.tolist(), strict=True):
            if (p, a) in seen or authors[p] == a:
                continue
            seen.add((p, a))
            pairs.append((p, a))
            if len(pairs) == n_sup:
                break
        if len(pairs) == n_sup:
            break
    if len(pairs) < n_sup:
        raise RuntimeError("could not draw enough distinct supports")
    sup_p = np.array([p for p, _ in pairs], dtype=np.int64)
    sup_a = np.array([a for _, a in pairs], dtype=np.int64)
    sup_off = np.minimum(
        offsets[sup_p] + np.floor(rng.exponential(6.0, n_sup)).astype(np.int64), span
    )
    order = np.lexsort((sup_a, sup_p, sup_off))
    soutiens = pl.DataFrame(
        {
            "id_soutien": [f"S-{j + 1:05d}" for j in range(n_sup)],
            "id_proposition": [prop_ids[int(p)] for p in sup_p[order]],
            "auteur_pseudo": [people[int(a)] for a in sup_a[order]],
            "date": _dates(sup_off[order], PLATFORM_START),
        }
    )
    return _Platform(propositions, commentaires, soutiens, truth)


def _comment(wr: _Writer, main: int, register: str) -> tuple[str, list[int]]:
    """A forum comment and the propositions it is really about (first = main topic).

    Most comments discuss the proposal's proposition; 20 % add a secondary point about another
    one (the main topic then keeps two sentences); 10 % digress to another proposition only.
    """
    draw = wr.draw
    kind = draw.u()
    stance = draw.weighted(("accord", "nuance", "desaccord"), (0.6, 0.85, 1.0))
    parts = [wr.generic(f"commentaire.{stance}")] if draw.chance(0.8) else []
    if kind < 0.1:
        other = wr.zipf(frozenset({main}))
        parts.append(wr.generic("commentaire.digression"))
        parts.extend(wr.prop_sentences(other, draw.integer(1, 2), "transversal", 0.0))
        props = [other]
    elif kind < 0.3:
        other = wr.zipf(frozenset({main}))
        parts.extend(wr.prop_sentences(main, 2, "transversal", 0.03))
        parts.append(wr.generic("commentaire.ajout"))
        parts.extend(wr.prop_sentences(other, 1, "transversal", 0.0))
        props = [main, other]
    else:
        parts.extend(wr.prop_sentences(main, draw.integer(1, 2), "transversal", 0.03))
        props = [main]
    if draw.chance(0.25):
        parts.append(wr.generic(f"ressenti.{register}", _register_niveau(register)))
    return _degrade(" ".join(parts), draw, accents_p=0.07, swap_p=0.05), props


def _register_niveau(register: str) -> str:
    """Pupils on the platform are in secondary school; other authors are not level-specific."""
    return "2nd" if register == "eleve" else "transversal"


# --------------------------------------------------------------------------------------------
# Synthesis documents (partners and régions académiques)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Synthese:
    fichier: str
    type_contributeur: str
    contributeur: str
    region_academique: str | None
    day: date
    titre: str
    texte: str
    props: list[int]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _strip_accents(text).lower()).strip("-")


def _short_slug(name: str, limit: int = 40) -> str:
    """File-name slug: the acronym in brackets if any, else the name cut at a word boundary."""
    acronym = re.search(r"\(([A-Z]+)\)", name)
    slug = _slug(acronym.group(1) if acronym else name)
    if len(slug) <= limit:
        return slug
    return slug[:limit].rsplit("-", 1)[0]


def _without_article(name: str) -> str:
    for article in ("le ", "la ", "l'"):
        if name.startswith(article):
            return _cap(name[len(article) :])
    return name


def _de_name(name: str) -> str:
    """French "de" + a name that may carry its article (du, de la, de l', de/d')."""
    if name.startswith("le "):
        return f"du {name[3:]}"
    if name.startswith(("la ", "l'")):
        return f"de {name}"
    return _elide_de(name)


def _date_fr(day: date) -> str:
    mois = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
            "septembre", "octobre", "novembre", "décembre")  # fmt: skip
    return f"{day.day} {mois[day.month - 1]} {day.year}"


def _doc_props(
    wr: _Writer,
    bias: Sequence[int],
    k: int,
    *,
    must: int | None,
    exclude: frozenset[int],
    bias_p: float = 0.4,
) -> list[int]:
    """``k`` distinct propositions for a long document; ``must`` is placed first or later."""
    chosen: list[int] = []
    if must is not None:
        chosen.append(must)
    tries = 0
    while len(chosen) < k and tries < 500:
        tries += 1
        num = wr.draw.pick(bias) if bias and wr.draw.chance(bias_p) else wr.zipf(exclude)
        if num not in chosen and num not in exclude:
            chosen.append(num)
    if must is not None and wr.draw.chance(0.5):  # 18 is not always the main topic
        chosen.insert(wr.draw.integer(1, len(chosen) - 1), chosen.pop(0))
    return chosen


def _synthesis_text(
    wr: _Writer,
    *,
    header: list[str],
    intro_title: str,
    intro: list[str],
    constats: list[str],
    props_title: str,
    props: list[int],
    closing: list[tuple[str, list[str]]],
    target: int,
) -> str:
    """Assemble sections; the first proposition gets the most sentences; 400-1,500 words.

    Length is reached with more findings and quoted participants rather than more proposition
    sentences, so the main proposition stays dominant whatever the length.
    """
    draw = wr.draw
    n_first = draw.integer(5, 6)
    quotes: list[str] = []
    prop_bodies: list[list[str]] = []
    prop_sections: list[tuple[str, list[str]]] = []
    for j, num in enumerate(props):
        bank = wr.cat.props[num]
        k = n_first if j == 0 else draw.integer(2, n_first - 2)
        body = wr.prop_sentences(num, k, "transversal", libelle_p=0.3)
        body.insert(draw.integer(0, len(body)), wr.generic("synthese.cadrage"))
        heading = f"2.{j + 1} {draw.pick(bank.titres)}"
        if draw.chance(0.4):
            heading += f" (axe « {bank.axe} »)"
        prop_bodies.append(body)
        prop_sections.append((heading, body))
    sections: list[tuple[str, list[str]]] = [
        (intro_title, intro),
        ("1. Constats", constats),
        ("Extraits de témoignages", quotes),
        (props_title, []),
        *prop_sections,
        *closing,
    ]

    def words() -> int:
        return sum(len(h.split()) + _n_words(b) for h, b in sections) + _n_words(header)

    registers = ("enseignant", "parent", "eleve", "direction", "vie_scolaire", "collectivite")
    tries = 0
    while words() < max(target, 420) and tries < 400:
        tries += 1
        choice = draw.integer(0, 2)
        if choice == 0:
            where, sentence = constats, wr.generic("synthese.constat")
        elif choice == 1:
            register = draw.pick(registers)
            name = draw.pick(("contexte", f"ressenti.{register}", "logistique"))
            where = quotes
            sentence = f"« {wr.generic(name, _register_niveau(register))} »"
        else:
            where = draw.pick(prop_bodies)
            if sum(x in wr.cat.generic["synthese.cadrage"] for x in where) >= 2:
                continue
            sentence = wr.generic("synthese.cadrage")
            where.insert(draw.integer(0, len(where)), sentence)
            continue
        if _key(sentence) not in {_key(x) for x in where}:
            where.append(sentence)
    while words() > 1490 and len(quotes) > 0:
        quotes.pop()
    parts = ["\n".join(header), ""]
    for heading, body in sections:
        if body is quotes and not quotes:
            continue
        parts.append(heading)
        if body is quotes:
            parts.extend(f"- {q}" for q in quotes)
        elif body:
            parts.append(" ".join(body))
        parts.append("")
    parts.append(SYNTHETIC_MARK)
    return "\n".join(parts) + "\n"


def _gen_syntheses(
    rng: np.random.Generator, cat: _Catalog, n_part: int, n_reg: int
) -> list[_Synthese]:
    draw = _Draw(rng)
    wr = _Writer(draw, cat)
    out: list[_Synthese] = []

    partner_order = rng.permutation(len(_PARTENAIRES)).tolist()
    for j in range(n_part):
        categorie, le_nom = _PARTENAIRES[partner_order[j % len(_PARTENAIRES)]]
        nom = _without_article(le_nom)
        day = PARTNER_START + timedelta(days=draw.integer(0, _span(PARTNER_START, PARTNER_END)))
        props = _doc_props(
            wr, _BIAS_PARTENAIRE[categorie], draw.integer(3, 6), must=None, exclude=frozenset()
        )
        titre = f"Contribution {_de_name(le_nom)} aux États généraux du numérique pour l'éducation"
        intro = [
            wr.fill(s, "transversal", nom=_cap(le_nom))
            for s in cat.generic[f"synthese.intro.{categorie}"]
        ]
        constats = [wr.generic("synthese.constat") for _ in range(draw.integer(3, 5))]
        texte = _synthesis_text(
            wr,
            header=[titre, nom, f"Contribution remise le {_date_fr(day)}"],
            intro_title="Introduction",
            intro=intro,
            constats=list(dict.fromkeys(constats)),
            props_title="2. Nos propositions",
            props=props,
            closing=[("3. Conclusion", [wr.generic("synthese.conclusion") for _ in range(2)])],
            target=draw.integer(500, 1300),
        )
        fichier = f"contribution_{j + 1:02d}_{_short_slug(nom)}_SYNTHETIQUE.txt"
        out.append(_Synthese(fichier, "partenaire", nom, None, day, titre, texte, props))

    # Régions académiques: 18 main returns, then complements; 12 régions raise proposition 18.
    regions = list(cat.regions)
    with_18 = set(draw.sample(regions, N_REGIONS_WITH_P18))
    meetings = 8 + rng.multinomial(N_REUNIONS - 8 * len(regions), [1 / len(regions)] * len(regions))
    plan = [(r, False) for r in regions] + [(r, True) for r in COMPLEMENT_REGIONS if r in regions]
    region_days: dict[str, date] = {}
    for j in range(n_reg):
        region, complement = plan[j % len(plan)]
        acads = cat.region_academies[region]
        dans = (
            f"l'académie {_elide_de(acads[0])}"
            if len(acads) == 1
            else f"les académies {_elide_de(', '.join(acads[:-1]))} et {acads[-1]}"
        )
        exclude = frozenset() if region in with_18 else frozenset({18})
        day = REGION_START + timedelta(days=draw.integer(0, _span(REGION_START, REGION_END)))
        if complement:
            day = max(day, region_days.get(region, day))
            theme = draw.integer(1, 5)
            pool = [p for p in cat.by_theme[theme] if p not in exclude]
            k = min(len(pool), draw.integer(3, 4))
            props = _doc_props(wr, pool, k, must=None, exclude=exclude, bias_p=1.0)
            court = _THEMES_COURTS[theme]
            titre = f"Retour complémentaire de la région académique {region} : {court}"
            orga = [*cat.generic["synthese.region.complement"],
                    f"Il approfondit les échanges consacrés au thème « {court} »."]  # fmt: skip
            fichier = f"retour_region_academique_{_slug(region)}_complement_SYNTHETIQUE.txt"
        else:
            must = 18 if region in with_18 else None
            props = _doc_props(wr, (), draw.integer(4, 7), must=must, exclude=exclude)
            titre = (
                f"Retour de la région académique {region} : synthèse des États généraux "
                "territoriaux du numérique pour l'éducation"
            )
            orga = list(cat.generic["synthese.region.orga"])
            orga.insert(
                1,
                f"{int(meetings[regions.index(region)])} réunions ont été organisées, en "
                f"présentiel et à distance, dans {dans}.",
            )
            fichier = f"retour_region_academique_{_slug(region)}_SYNTHETIQUE.txt"
        constats = [wr.generic("synthese.constat") for _ in range(draw.integer(3, 5))]
        vigilance = [wr.generic("synthese.vigilance") for _ in range(2)]
        texte = _synthesis_text(
            wr,
            header=[titre, f"Date : {_date_fr(day)}"],
            intro_title="Organisation de la concertation",
            intro=orga,
            constats=list(dict.fromkeys(constats)),
            props_title="2. Propositions prioritaires",
            props=props,
            closing=[("3. Points de vigilance", list(dict.fromkeys(vigilance)))],
            target=draw.integer(500, 1300),
        )
        region_days.setdefault(region, day)
        contributeur = f"Région académique {region}"
        out.append(
            _Synthese(fichier, "région académique", contributeur, region, day, titre, texte, props)
        )
    return out


_THEMES_COURTS: dict[int, str] = {
    1: "Gouvernance et anticipation",
    2: "Enseigner et apprendre",
    3: "Égal accès et fracture numérique",
    4: "Travailler ensemble",
    5: "Numérique responsable et souverain",
}


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_LISEZMOI = """\
DONNÉES SYNTHÉTIQUES — EGN Analytics
=====================================

Tous les fichiers de ce dossier sont SYNTHÉTIQUES : ils ont été générés automatiquement par
EGN Analytics (graine {seed}, échelle {scale}) pour tester les analyses de textes. Ils ne
reproduisent aucune contribution réelle et ne décrivent aucune personne, aucun établissement
ni aucune organisation réels. Les noms des partenaires et les pseudonymes sont inventés.

Les volumes sont calés sur les chiffres publiés des États généraux du numérique pour
l'éducation (2020) à l'échelle 1 : 1 300 RETEX, 26 839 réponses au questionnaire, 670
propositions, 2 380 commentaires, plus de 3 000 soutiens, 42 documents de synthèse
(21 contributions de partenaires, 21 retours de régions académiques).

Contenu
-------
- retex/retex_SYNTHETIQUE.csv : retours d'expérience (séparateur « ; », UTF-8).
- retex/documents/ : quelques RETEX sous forme de fichiers .md et .txt ; ce sont des copies de
  lignes du CSV (même identifiant RETEX-xxxx dans l'en-tête), à dédoublonner au chargement.
- consultation/*.csv : exports de la plateforme participative (questionnaire, propositions,
  commentaires, soutiens). Dans le questionnaire, une réponse vide signifie « question non
  posée » (filtre selon le profil) ou « sans réponse ».
- syntheses/ : 42 documents longs et leur index (index_SYNTHETIQUE.csv). Les régions
  académiques envoient un retour chacune (18) ; trois d'entre elles envoient en plus un
  retour complémentaire thématique.
- verite_terrain_SYNTHETIQUE.csv : les VRAIES étiquettes (thème 1 à 5, propositions 1 à 40,
  la première est la principale). À n'utiliser que pour évaluer une classification : ne pas
  la fournir au modèle. Les propositions transverses sont rattachées aux thèmes 3 (n° 39)
  et 5 (n° 40).
"""


def _write_csv(frame: pl.DataFrame, dest: Path) -> None:
    with atomic_path(dest) as tmp:
        frame.write_csv(tmp, separator=";", line_terminator="\n")


def _record(path: Path, root: Path, description: str, fmt: str, rows: int | None) -> FileRecord:
    return FileRecord(
        path=relative(path, root),
        family="textes",
        description=description,
        format=fmt,
        rows=rows,
        bytes=path.stat().st_size,
        sha256=sha256_file(path),
    )


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete generated files of a previous run (other scale) that this run did not rewrite."""
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.is_file() and SYNTHETIC_TAG in path.name and path.name not in keep:
            path.unlink()


_PARTS = ("retex", "retex_documents", "questionnaire", "plateforme", "syntheses")


def write_texts(out_dir: Path, seed: int, scale: float = 1.0) -> list[FileRecord]:
    """Write the synthetic text corpus under ``out_dir / "textes"``; one record per file.

    Same ``(seed, scale)`` → byte-identical files. Each sub-corpus draws from its own child of
    ``rng_for(seed, "texts")`` so that changing one never shifts the others.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    root = out_dir / "textes"
    cat = _catalog()
    rngs = dict(zip(_PARTS, rng_for(seed, "texts").spawn(len(_PARTS)), strict=True))
    records: list[FileRecord] = []

    # RETEX: CSV and loose documents.
    retex = _gen_retex(rngs["retex"], cat, _scaled(N_RETEX, scale))
    path = root / "retex" / f"retex_{SYNTHETIC_TAG}.csv"
    _write_csv(retex.frame, path)
    records.append(
        _record(
            path,
            out_dir,
            "Retours d'expérience (RETEX) des académies, synthétiques",
            "csv",
            retex.frame.height,
        )
    )
    doc_dir = root / "retex" / "documents"
    docs = _retex_documents(retex.frame, rngs["retex_documents"])
    for name, fmt, body in docs:
        path = doc_dir / name
        write_text_atomic(path, body)
        records.append(
            _record(path, out_dir, "RETEX au format document (copie d'une ligne du CSV)", fmt, None)
        )
    _remove_stale(doc_dir, {name for name, _, _ in docs})

    # Questionnaire.
    quest, quest_truth = _gen_questionnaire(
        rngs["questionnaire"], cat, _scaled(N_QUESTIONNAIRE, scale)
    )
    path = root / "consultation" / f"questionnaire_{SYNTHETIC_TAG}.csv"
    _write_csv(quest, path)
    records.append(
        _record(
            path,
            out_dir,
            "Réponses au questionnaire en ligne (export de la plateforme)",
            "csv",
            quest.height,
        )
    )

    # Platform forum.
    plat = _gen_platform(
        rngs["plateforme"], cat, _scaled(N_PROPOSITIONS, scale),
        _scaled(N_COMMENTAIRES, scale), _scaled(N_SOUTIENS, scale),
    )  # fmt: skip
    for name, frame, description in (
        ("propositions", plat.propositions, "Propositions déposées sur la plateforme"),
        ("commentaires", plat.commentaires, "Commentaires des propositions de la plateforme"),
        ("soutiens", plat.soutiens, "Soutiens (votes) des participants aux propositions"),
    ):
        path = root / "consultation" / f"{name}_{SYNTHETIC_TAG}.csv"
        _write_csv(frame, path)
        records.append(_record(path, out_dir, description, "csv", frame.height))

    # Syntheses and their index.
    syntheses = _gen_syntheses(
        rngs["syntheses"], cat,
        _scaled(N_SYNTHESES_PARTENAIRES, scale), _scaled(N_SYNTHESES_REGIONS, scale),
    )  # fmt: skip
    syn_dir = root / "syntheses"
    for syn in syntheses:
        path = syn_dir / syn.fichier
        write_text_atomic(path, syn.texte)
        kind = "partenaire" if syn.region_academique is None else "région académique"
        records.append(_record(path, out_dir, f"Document de synthèse ({kind})", "txt", None))
    index = pl.DataFrame(
        {
            "fichier": [s.fichier for s in syntheses],
            "type_contributeur": [s.type_contributeur for s in syntheses],
            "contributeur": [s.contributeur for s in syntheses],
            "region_academique": pl.Series(
                [s.region_academique for s in syntheses], dtype=pl.String
            ),
            "date": pl.Series([s.day for s in syntheses], dtype=pl.Date),
            "titre": [s.titre for s in syntheses],
        }
    ).sort("fichier")
    path = syn_dir / f"index_{SYNTHETIC_TAG}.csv"
    _write_csv(index, path)
    records.append(_record(path, out_dir, "Index des documents de synthèse", "csv", index.height))
    _remove_stale(syn_dir, {s.fichier for s in syntheses} | {path.name})

    # Ground truth, kept apart.
    truth_rows = [*retex.truth, *quest_truth, *plat.truth]
    truth_rows.extend(_truth("synthese", s.fichier, s.props, cat) for s in syntheses)
    truth = pl.from_dicts(
        truth_rows,
        schema={"source": pl.String, "id": pl.String, "theme": pl.Int64, "propositions": pl.String},
    ).sort("source", "id")
    path = root / f"verite_terrain_{SYNTHETIC_TAG}.csv"
    _write_csv(truth, path)
    records.append(
        _record(
            path,
            out_dir,
            "Vérité terrain des thèmes et propositions (évaluation seulement)",
            "csv",
            truth.height,
        )
    )

    path = root / f"LISEZMOI_{SYNTHETIC_TAG}.txt"
    write_text_atomic(path, _LISEZMOI.format(seed=seed, scale=scale))
    records.append(_record(path, out_dir, "Avertissement : données synthétiques", "txt", None))
    return sorted(records, key=lambda r: r.path)
