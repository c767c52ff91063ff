"""The motion classifier: the decision table of the motion policy, as a pure function.

The classifier, not a language model, decides the motion, so the same profile gets the same
advice in every channel and every run. Rules are tried in order and the first match wins.
"""

from __future__ import annotations

from advisor.domain.schemas import (
    Alternative,
    Classification,
    Lang,
    Motion,
    Profile,
    Reason,
    Slot,
    SpecialTerm,
)

SEAT_THRESHOLD = 2_400
AZURE_THRESHOLD_USD = 1_000_000

_TEXT: dict[Lang, dict[str, str]] = {
    "en": {
        "vehicle.breadth": "CSP partner",
        "vehicle.enterprise": "EA or MCA via a Microsoft seller",
        "vehicle.self_service": "online (MCA)",
        "term.dual_use_rights": "dual-use rights",
        "term.lead_status_skus": "lead-status SKUs",
        "term.multi_tenant": "multi-tenant",
        "term.multi_affiliate": "multi-affiliate",
        "term.custom_concessions": "a concession beyond price",
        "motion.breadth": "breadth (CSP partner)",
        "motion.enterprise": "enterprise (EA or MCA with a Microsoft seller)",
        "motion.self_service": "self-service (online)",
        "rule1": "Rule 1: the customer needs {terms}; such terms need Microsoft's special "
        "approval, which only the enterprise motion gives, so the answer is enterprise.",
        "rule2.self": "Rule 2: the customer knows exactly what they want and will buy and manage "
        "it online themselves, so the answer is self-service.",
        "rule2.pref": "Rule 2: the customer prefers to buy online on their own, so the answer is "
        "self-service.",
        "rule3": "Rule 3: whether any special contract terms are needed is not known yet; ask "
        "about them first.",
        "rule4": "Rule 4: whether the customer will buy and manage on their own is not known yet.",
        "rule5": "Rule 5: {over} is above what breadth partner economics are optimised for, so "
        "the deal shifts to enterprise; CSP stays allowed.",
        "rule5.pref": "Rule 5: {over} is above what breadth partner economics are optimised for, "
        "but the customer prefers a CSP partner, so the answer is breadth.",
        "rule6": "Rule 6: the seat count or the yearly Azure spend is not known yet.",
        "rule7": "Rule 7: {seats} and {azure} are both within the breadth thresholds and no "
        "special terms are needed, so the answer is breadth through a CSP partner.",
        "reason.terms": "Terms such as {terms} need Microsoft's special approval and close discussion with the "
        "customer, which the enterprise motion exists for.",
        "reason.enterprise_vehicle": "The enterprise motion is bought through an Enterprise "
        "Agreement, or an MCA quoted and contracted by a Microsoft seller.",
        "reason.pref_overridden": "A stated preference for {motion} cannot change this: those "
        "terms are only available in the enterprise motion.",
        "reason.self_service": "The buyer knows exactly what they want and will buy, trial and "
        "manage subscriptions on their own, which is the self-service motion at any size.",
        "reason.self_service_pref": "The customer prefers to buy online on their own; the "
        "self-service motion serves buyers of any size who do.",
        "reason.mca": "Every customer accepts the Microsoft Customer Agreement (MCA), with "
        "terms that match how they buy.",
        "reason.over": "Partner economics in the breadth motion are optimised for up to 2,400 "
        "seats and USD 1,000,000 of Azure a year; {over} is above that.",
        "reason.largest": "The enterprise motion is the main motion for the largest customers, "
        "with a Microsoft seller involved.",
        "reason.pref_breadth": "The customer prefers a CSP partner, and the customer's needs "
        "and preferences are the deciding factor; moving between motions is never mandatory.",
        "reason.within": "{seats} and {azure} are within the thresholds that breadth partner "
        "economics are optimised for (2,400 seats, USD 1,000,000 a year).",
        "reason.breadth": "Small and mid-size customers who need no terms beyond price "
        "negotiation buy through a CSP partner, who owns the whole relationship.",
        "reason.help": "The customer wants a partner or Microsoft to help rather than buying on "
        "their own.",
        "note.csp_over": "CSP is still allowed above 2,400 seats or USD 1,000,000 a year, but the "
        "partner's economics on the extra seats or spend are less attractive.",
        "note.breadth_from_self": "If you would rather have a partner choose, buy and manage it "
        "for you, a CSP partner can (breadth), within 2,400 seats and USD 1,000,000 of Azure a "
        "year.",
        "note.enterprise_pref": "You said you prefer the enterprise motion; it is meant for the "
        "largest customers and for terms that need special approval, and a Microsoft seller can "
        "tell you whether it suits you.",
        "note.enterprise_from_breadth": "The enterprise motion (EA or MCA with a Microsoft "
        "seller) is the usual route at this size; your preference for CSP decides it.",
        "change.terms_removed": "Without {terms}, the answer would depend on your seat count, "
        "Azure spend and whether you buy on your own.",
        "change.add_term": "Needing a special term (dual-use rights, lead-status SKUs, "
        "multi-tenant, multi-affiliate or another concession beyond price) would make this "
        "enterprise.",
        "change.want_help": "Wanting a partner or Microsoft to help instead of buying on your own "
        "would make this breadth or enterprise, depending on seats and Azure spend.",
        "change.go_self": "Deciding to buy and manage online on your own would make this "
        "self-service.",
        "change.grow": "More than 2,400 seats or more than USD 1,000,000 of Azure a year would "
        "make this enterprise (CSP stays allowed).",
        "change.shrink": "At or under 2,400 seats and USD 1,000,000 of Azure a year, this would "
        "be breadth through a CSP partner.",
        "change.drop_pref": "Without the preference for a CSP partner, this would be enterprise.",
        "change.pref_breadth": "Preferring a CSP partner would make this breadth, with less "
        "attractive partner economics above the thresholds.",
        "role.breadth.1": "Owns the whole customer relationship, from contract to service delivery.",
        "role.breadth.2": "Sets the price, the support and the value-added services.",
        "role.breadth.3": "Advises, sells, builds and manages across the customer's lifecycle.",
        "role.enterprise.1": "Pre- and post-sales work, workshops and proofs of concept.",
        "role.enterprise.2": "Building, consulting, deployment and integration, and managed "
        "services.",
        "role.enterprise.3": "Under an EA: invoicing, collection, foreign exchange and "
        "licence-compliance support.",
        "role.self_service.1": "Optional: services for specific workloads and web advisory "
        "services.",
        "fact.seats": "{seats}",
        "fact.azure": "{azure}",
        "fact.no_terms": "no special terms needed",
        "fact.terms": "needs {terms}",
        "fact.self": "will buy and manage online on their own",
        "fact.help": "wants a partner or Microsoft to help",
        "fact.pref": "prefers {motion}",
        "seats": "{n} seats",
        "azure": "USD {n} of Azure a year",
        "and": " and ",
    },
    "ja": {
        "vehicle.breadth": "CSP パートナー",
        "vehicle.enterprise": "EA、またはマイクロソフトの販売担当者経由の MCA",
        "vehicle.self_service": "オンライン (MCA)",
        "term.dual_use_rights": "デュアルユース権",
        "term.lead_status_skus": "リードステータス SKU",
        "term.multi_tenant": "マルチテナント",
        "term.multi_affiliate": "マルチアフィリエイト",
        "term.custom_concessions": "価格以外の譲歩",
        "motion.breadth": "ブレドゥス (CSP パートナー)",
        "motion.enterprise": "エンタープライズ (EA、または販売担当者との MCA)",
        "motion.self_service": "セルフサービス (オンライン)",
        "rule1": "ルール 1: {terms}にはマイクロソフトの特別な承認が必要で、それはエンタープライズ "
        "モーションでしか得られないため、他の条件にかかわらずエンタープライズです。",
        "rule2.self": "ルール 2: 必要なものが決まっていて、自分たちでオンライン購入・管理するため、"
        "セルフサービスです。",
        "rule2.pref": "ルール 2: 自分たちでオンライン購入することを希望しているため、セルフサービスです。",
        "rule3": "ルール 3: 特別な契約条件が必要かどうかがまだ分からないため、まずそれを確認します。",
        "rule4": "ルール 4: 自分たちで購入・管理するかどうかがまだ分かりません。",
        "rule5": "ルール 5: {over}はブレドゥスのパートナー経済性が最適化されている範囲を超えるため、"
        "エンタープライズ寄りになります。CSP も引き続き利用できます。",
        "rule5.pref": "ルール 5: {over}はブレドゥスのパートナー経済性が最適化されている範囲を超えますが、"
        "CSP パートナーを希望しているため、ブレドゥスです。",
        "rule6": "ルール 6: シート数または年間の Azure 利用額がまだ分かりません。",
        "rule7": "ルール 7: {seats}、{azure}ともにブレドゥスのしきい値内で、特別な契約条件も不要なため、"
        "CSP パートナー経由のブレドゥスです。",
        "reason.terms": "{terms}にはマイクロソフトの特別な承認とお客様との綿密な話し合いが必要で、"
        "それを扱うのがエンタープライズ モーションです。",
        "reason.enterprise_vehicle": "エンタープライズ モーションでは、エンタープライズ契約 (EA)、"
        "またはマイクロソフトの販売担当者が見積もりと契約を行う MCA で購入します。",
        "reason.pref_overridden": "{motion}を希望していても結果は変わりません。これらの条件は"
        "エンタープライズ モーションでしか利用できないためです。",
        "reason.self_service": "購入者は必要なものを正確に把握しており、購入・試用・サブスクリプション管理を"
        "自分たちで行います。これは規模を問わないセルフサービス モーションです。",
        "reason.self_service_pref": "自分たちでオンライン購入することを希望しています。セルフサービス "
        "モーションは、そうした購入者に規模を問わず対応します。",
        "reason.mca": "すべてのお客様は、購入方法に応じた条件でマイクロソフト顧客契約 (MCA) を締結します。",
        "reason.over": "ブレドゥス モーションのパートナー経済性は 2,400 シート以下、Azure 年間 100 万米ドル"
        "以下に最適化されています。{over}はそれを超えています。",
        "reason.largest": "エンタープライズ モーションは最大規模のお客様の主要な購買方法で、"
        "マイクロソフトの販売担当者が関与します。",
        "reason.pref_breadth": "CSP パートナーを希望しており、お客様のニーズと希望が最も重要な決定要因です。"
        "モーション間の移行は必須ではありません。",
        "reason.within": "{seats}、{azure}は、ブレドゥスのパートナー経済性が最適化されているしきい値"
        " (2,400 シート、年間 100 万米ドル) 以内です。",
        "reason.breadth": "価格交渉以上の契約条件を必要としない中堅・中小企業は CSP パートナーから購入し、"
        "パートナーが顧客関係全体を担います。",
        "reason.help": "自分たちだけで購入するのではなく、パートナーやマイクロソフトの支援を希望しています。",
        "note.csp_over": "2,400 シートまたは年間 100 万米ドルを超えても CSP は利用できますが、"
        "超過分のシートや利用額に対するパートナーの経済性は魅力が下がります。",
        "note.breadth_from_self": "製品の選定・購入・管理をパートナーに任せたい場合は、2,400 シート・"
        "Azure 年間 100 万米ドル以内であれば CSP パートナー (ブレドゥス) も利用できます。",
        "note.enterprise_pref": "エンタープライズ モーションをご希望とのことですが、これは最大規模のお客様や"
        "特別な承認が必要な条件のためのものです。適しているかどうかはマイクロソフトの販売担当者にご確認ください。",
        "note.enterprise_from_breadth": "この規模では通常エンタープライズ モーション (EA、または販売担当者との"
        " MCA) が選ばれますが、CSP を希望されているためブレドゥスとしています。",
        "change.terms_removed": "{terms}が不要であれば、シート数、Azure 利用額、自分たちで購入するかどうかで"
        "結果が決まります。",
        "change.add_term": "特別な条件 (デュアルユース権、リードステータス SKU、マルチテナント、"
        "マルチアフィリエイト、その他価格以外の譲歩) が必要になれば、エンタープライズになります。",
        "change.want_help": "自分たちで購入せずパートナーやマイクロソフトの支援を受けたい場合は、シート数と "
        "Azure 利用額に応じてブレドゥスまたはエンタープライズになります。",
        "change.go_self": "自分たちでオンライン購入・管理することにした場合は、セルフサービスになります。",
        "change.grow": "2,400 シートまたは Azure 年間 100 万米ドルを超えると、エンタープライズになります"
        " (CSP も引き続き利用可能)。",
        "change.shrink": "2,400 シート以下かつ Azure 年間 100 万米ドル以下であれば、CSP パートナー経由の"
        "ブレドゥスになります。",
        "change.drop_pref": "CSP パートナーの希望がなければ、エンタープライズになります。",
        "change.pref_breadth": "CSP パートナーを希望すればブレドゥスになりますが、しきい値を超える分の"
        "パートナー経済性は魅力が下がります。",
        "role.breadth.1": "契約からサービス提供まで、顧客関係全体を担います。",
        "role.breadth.2": "価格、サポート、付加価値サービスを決めます。",
        "role.breadth.3": "ライフサイクル全体でアドバイス・販売・構築・管理を行います。",
        "role.enterprise.1": "販売前後の活動、ワークショップ、実証実験 (PoC)。",
        "role.enterprise.2": "構築、コンサルティング、導入・統合、マネージド サービス。",
        "role.enterprise.3": "EA の場合: 請求書の発行、回収、外国為替、ライセンス遵守のサポート。",
        "role.self_service.1": "任意: 特定のワークロード向けサービスや Web アドバイザリー サービス。",
        "fact.seats": "{seats}",
        "fact.azure": "{azure}",
        "fact.no_terms": "特別な契約条件は不要",
        "fact.terms": "{terms}が必要",
        "fact.self": "自分たちでオンライン購入・管理する",
        "fact.help": "パートナーやマイクロソフトの支援を希望",
        "fact.pref": "{motion}を希望",
        "seats": "{n} シート",
        "azure": "Azure 年間 {n} 米ドル",
        "and": "と",
    },
}

_PARTNER_ROLES: dict[Motion, tuple[str, ...]] = {
    Motion.BREADTH: ("role.breadth.1", "role.breadth.2", "role.breadth.3"),
    Motion.ENTERPRISE: ("role.enterprise.1", "role.enterprise.2", "role.enterprise.3"),
    Motion.SELF_SERVICE: ("role.self_service.1",),
}


class _Words:
    """The phrases of one language, with the profile's values filled in."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.table = _TEXT[lang]

    def __call__(self, key: str, **values: str) -> str:
        return self.table[key].format(**values)

    def terms(self, terms: list[SpecialTerm]) -> str:
        names = [self.table[f"term.{t.value}"] for t in terms]
        joiner = ", " if self.lang == "en" else "、"
        return joiner.join(names)

    def seats(self, n: int) -> str:
        return self("seats", n=f"{n:,}")

    def azure(self, usd: float) -> str:
        amount = f"{usd:,.0f}" if float(usd).is_integer() else f"{usd:,.2f}"
        return self("azure", n=amount)

    def motion(self, motion: Motion) -> str:
        return self(f"motion.{motion.value}")


def classify(profile: Profile, lang: Lang = "en") -> Classification:
    """Decide the purchasing motion for a profile, or say what is still missing."""
    w = _Words(lang)
    terms = profile.special_terms
    prefers = profile.preferred_motion
    facts = _facts(profile, w)

    if terms:
        reasons = [
            Reason(text=w("reason.terms", terms=w.terms(terms)), citations=["enterprise-terms"]),
            Reason(text=w("reason.enterprise_vehicle"), citations=["enterprise-motion"]),
        ]
        if prefers is not None and prefers is not Motion.ENTERPRISE:
            reasons.append(
                Reason(
                    text=w("reason.pref_overridden", motion=w.motion(prefers)),
                    citations=["enterprise-terms"],
                )
            )
        return _decided(
            Motion.ENTERPRISE,
            1,
            w("rule1", terms=w.terms(terms)),
            reasons,
            [],
            [w("change.terms_removed", terms=w.terms(terms))],
            facts,
            profile,
            w,
        )

    if profile.self_service is True or prefers is Motion.SELF_SERVICE:
        by_choice = profile.self_service is True
        reasons = [
            Reason(
                text=w("reason.self_service" if by_choice else "reason.self_service_pref"),
                citations=["self-service-motion"],
            ),
            Reason(text=w("reason.mca"), citations=["mca-for-all"]),
        ]
        alternatives = [Alternative(motion=Motion.BREADTH, note=w("note.breadth_from_self"))]
        return _decided(
            Motion.SELF_SERVICE,
            2,
            w("rule2.self" if by_choice else "rule2.pref"),
            reasons,
            alternatives,
            [w("change.add_term"), w("change.want_help")],
            facts,
            profile,
            w,
        )

    missing = _missing(profile)
    if terms is None:
        return _undecided(3, w("rule3"), missing, facts, profile, w)
    if profile.self_service is None:
        return _undecided(4, w("rule4"), missing, facts, profile, w)

    over = _over_thresholds(profile, w)
    if over:
        reasons = [
            Reason(text=w("reason.over", over=over), citations=["partner-economics-thresholds"])
        ]
        if prefers is Motion.BREADTH:
            reasons += [
                Reason(
                    text=w("reason.pref_breadth"),
                    citations=["customer-needs-first", "partner-economics-thresholds"],
                ),
                Reason(text=w("note.csp_over"), citations=["partner-economics-thresholds"]),
            ]
            return _decided(
                Motion.BREADTH,
                5,
                w("rule5.pref", over=over),
                reasons,
                [Alternative(motion=Motion.ENTERPRISE, note=w("note.enterprise_from_breadth"))],
                [w("change.drop_pref"), w("change.go_self")],
                facts,
                profile,
                w,
            )
        reasons += [
            Reason(text=w("reason.largest"), citations=["enterprise-motion"]),
            Reason(text=w("reason.help"), citations=["enterprise-motion"]),
        ]
        return _decided(
            Motion.ENTERPRISE,
            5,
            w("rule5", over=over),
            reasons,
            [Alternative(motion=Motion.BREADTH, note=w("note.csp_over"))],
            [w("change.shrink"), w("change.pref_breadth"), w("change.go_self")],
            facts,
            profile,
            w,
        )

    if profile.seats is None or profile.azure_annual_usd is None:
        return _undecided(6, w("rule6"), missing, facts, profile, w)

    seats, azure = w.seats(profile.seats), w.azure(profile.azure_annual_usd)
    alternatives = []
    if prefers is Motion.ENTERPRISE:
        alternatives.append(Alternative(motion=Motion.ENTERPRISE, note=w("note.enterprise_pref")))
    return _decided(
        Motion.BREADTH,
        7,
        w("rule7", seats=seats, azure=azure),
        [
            Reason(
                text=w("reason.within", seats=seats, azure=azure),
                citations=["partner-economics-thresholds"],
            ),
            Reason(text=w("reason.breadth"), citations=["breadth-motion"]),
            Reason(text=w("reason.mca"), citations=["mca-for-all"]),
        ],
        alternatives,
        [w("change.grow"), w("change.add_term"), w("change.go_self")],
        facts,
        profile,
        w,
    )


def _missing(profile: Profile) -> list[Slot]:
    """List the slots still needed, the next question first (rules 3, 4, then 6)."""
    missing: list[Slot] = []
    if profile.special_terms is None:
        missing.append(Slot.SPECIAL_TERMS)
    if profile.self_service is None:
        missing.append(Slot.SELF_SERVICE)
    if not _is_over(profile):
        if profile.seats is None:
            missing.append(Slot.SEATS)
        if profile.azure_annual_usd is None:
            missing.append(Slot.AZURE_ANNUAL_USD)
    return missing


def _is_over(profile: Profile) -> bool:
    return (profile.seats is not None and profile.seats > SEAT_THRESHOLD) or (
        profile.azure_annual_usd is not None and profile.azure_annual_usd > AZURE_THRESHOLD_USD
    )


def _over_thresholds(profile: Profile, w: _Words) -> str:
    parts = []
    if profile.seats is not None and profile.seats > SEAT_THRESHOLD:
        parts.append(w.seats(profile.seats))
    if profile.azure_annual_usd is not None and profile.azure_annual_usd > AZURE_THRESHOLD_USD:
        parts.append(w.azure(profile.azure_annual_usd))
    return w("and").join(parts)


def _facts(profile: Profile, w: _Words) -> list[str]:
    facts = []
    if profile.special_terms is not None:
        facts.append(
            w("fact.terms", terms=w.terms(profile.special_terms))
            if profile.special_terms
            else w("fact.no_terms")
        )
    if profile.self_service is not None:
        facts.append(w("fact.self") if profile.self_service else w("fact.help"))
    if profile.seats is not None:
        facts.append(w.seats(profile.seats))
    if profile.azure_annual_usd is not None:
        facts.append(w.azure(profile.azure_annual_usd))
    if profile.preferred_motion is not None:
        facts.append(w("fact.pref", motion=w.motion(profile.preferred_motion)))
    return facts


def _decided(
    motion: Motion,
    rule_id: int,
    rule: str,
    reasons: list[Reason],
    alternatives: list[Alternative],
    what_would_change: list[str],
    facts: list[str],
    profile: Profile,
    w: _Words,
) -> Classification:
    return Classification(
        motion=motion,
        vehicle=w(f"vehicle.{motion.value}"),
        missing=[],
        rule=rule,
        rule_id=rule_id,
        reasons=reasons,
        alternatives=alternatives,
        what_would_change=what_would_change,
        partner_roles=[w(key) for key in _PARTNER_ROLES[motion]],
        facts=facts,
        profile=profile,
        lang=w.lang,
    )


def _undecided(
    rule_id: int, rule: str, missing: list[Slot], facts: list[str], profile: Profile, w: _Words
) -> Classification:
    return Classification(
        motion=None,
        vehicle=None,
        missing=missing,
        rule=rule,
        rule_id=rule_id,
        reasons=[],
        alternatives=[],
        what_would_change=[],
        partner_roles=[],
        facts=facts,
        profile=profile,
        lang=w.lang,
    )


def describe_terms(terms: list[SpecialTerm], lang: Lang = "en") -> str:
    """Return the special terms as words a customer reads."""
    return _Words(lang).terms(terms)


def motion_label(motion: Motion, lang: Lang = "en") -> str:
    """Return a motion's human name with its buying vehicle."""
    return _Words(lang).motion(motion)
