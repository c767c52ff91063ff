"""Whether the guidance covers a question: the rules of its scope.

The scope is decided by what is asked, not by its words: a price, a discount or incentive rate,
a product or plan, a country, contract terms the guidance never states, anything after its last
update, other vendors and the assistant itself are out of scope, while the guidance's own figures
("above how much Azure a year...?") are in it. What the rules cannot list, the question model
(advisor/guidance/learned.py) weighs.
"""

from __future__ import annotations

import re

from advisor.guidance.asking import asked_parts
from advisor.guidance.pricing import (
    asks_price,
)

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")

_OTHER_VENDORS = re.compile(
    r"(?<![A-Za-z])(?:aws|amazon|google|gcp|workspace|oracle|salesforce|ibm|alibaba|sap|vmware"
    r"|zoom|slack|adobe|dropbox|servicenow|apple)(?![A-Za-z])|アマゾン|グーグル|オラクル",
    re.IGNORECASE,
)
# another vendor named as an example of a way to buy: 「Amazonみたいなマーケットプレイス」
_LIKE_A_MARKETPLACE = re.compile(
    r"(?:みたいな|のような|などの)\s*(?:マーケットプレイス|ネット通販)|\b(?:like|such as) \w+ "
    r"(?:or \w+ )?marketplaces?\b|\bmarketplaces? (?:like|such as)\b",
    re.IGNORECASE,
)
_SKU_OR_REGION = re.compile(
    r"\b(?:which|what)\b[^?.]{0,20}\b(?:skus?|part numbers?|product codes?)\b"
    r"|\bsku (?:number|code|id)s?\b"
    r"|\b(?:available|availability|offered|sold|supported)\b[^?.]{0,40}\bin (?:my |our |the )?"
    r"(?:country|countries|region|regions|brazil|india|china|japan|germany|france|europe|the us"
    r"|the uk|canada|mexico|australia|korea|africa|asia)\b"
    r"|\bwhich (?:countries|regions)\b|\bdata ?cent(?:er|re) regions?\b"
    r"|どの\s*SKU|SKU\s*(?:番号|コード)|品番|(?:どの|どこの)(?:国|地域|リージョン)"
    r"|(?:国|地域|リージョン)で(?:は)?(?:買え|購入でき|使え|提供|利用でき)"
    # which product or plan to buy, or what one includes: the guidance names none
    r"|\bwhich (?:\w+ ){0,3}(?:plans?|editions?|suites?|tiers?|bundles?)\b"
    # "which products do the planned price changes cover?": Azure and seat-based Online Services
    r"|\bwhich products? (?:count|should|to|do(?! the (?:[\w-]+ ){0,6}(?:changes?|adjustments?)"
    r" (?:cover|apply|affect)))\b"
    r"|\b(?:business (?:basic|standard|premium)|e[135]|f[13]|a[135]|defender|intune|copilot"
    r"|power bi|visio|project plan|windows 365|teams phone|dynamics 365 \w+|windows server"
    r"|sql server|teams essentials|outlook (?:mail|email|app|client|password|licen[cs]es?)"
    r"|microsoft outlook|exchange online|sharepoint|onedrive|power apps"
    r"|power automate|github|surface|xbox|private offers?|visual studio)\b"
    r"|\bwhat features\b|\bfeatures? (?:does|do|of|it has)\b|\b(?:plan|product|offer|sku) names?\b"
    r"|(?:プラン|製品|商品|SKU)名"
    r"|どの(?:プラン|エディション)|(?:ビジネス|Business) ?(?:Basic|Standard|Premium"
    r"|ベーシック|スタンダード|プレミアム)|機能(?:は|が|を)"
    # one country or region, or how they differ: the guidance speaks of none
    r"|\b(?:in|for|from|across|to|than|before|after) (?:the )?(?:eu|european union|emea|apac|latam"
    r"|europe|asia|north america|latin america|middle east|mainland china"
    r"|china|india|brazil|germany|france|uk|united kingdom|the us|usa|united states|canada|mexico"
    r"|australia|korea|singapore|japan)\b|\bheadquartered in\b"
    r"|\b(?:every|each|all|other|different|some) (?:countr(?:y|ies)|regions?|markets?)\b"
    r"|\b(?:eu|emea|apac|latam|european|asian|american|u\.s\.|uk|british|japanese|german|french"
    r"|indian|chinese|brazilian|australian|canadian) (?:customers?|companies|organi[sz]"
    r"ations|market|buyers?|subsidiar(?:y|ies))\b"
    r"|中国|欧州|EU\s*(?:圏|域内|拠点)?(?:で|の|だと|やと|やったら)|米国|アメリカ|インド|国ごと"
    r"|国によって|各国"
    # 「海外拠点がいくつもございまして、…」 tells the situation; what is asked comes after it
    r"|海外(?![^。？?]{0,30}(?:まして|ので|のですが|ですが|てさ|けど|けれど)[、,])"
    r"|地域によって"
    r"|ブラジル|ドイツ|フランス|イギリス|英国|カナダ|メキシコ|オーストラリア|韓国|台湾|香港"
    r"|シンガポール|タイ(?:で|から|の)|ベトナム|インドネシア|フィリピン|マレーシア|ヨーロッパ"
    r"|\b(?:spain|italy|netherlands|sweden|poland|switzerland|taiwan|hong kong|thailand|vietnam"
    r"|indonesia|philippines|malaysia|new zealand|south africa|argentina|chile|colombia)\b"
    r"|日本(?:でも|では|国内|だと|の場合|だけ)|データ(?:の)?(?:所在地|レジデンシー)"
    # an entity in another country: 「現地法人も同じガイダンスで買えますか」
    r"|現地(?:法人|の(?:子会社|法人|規制|税))|\b(?:local|overseas|foreign) (?:subsidiar(?:y|ies)"
    r"|entit(?:y|ies))\b"
    r"|\bdata residency\b|具体的に(?:どの|どんな)製品",
    re.IGNORECASE,
)


_NOT_COVERED = re.compile(
    r"\b(?:author|who wrote|written by(?![^?]{0,40}\btranslat))\b"
    r"|\b(?:ceo|chief executive|founder)\b"
    r"|(?:MS|マイクロソフト|Microsoft)\s?(?:の)?(?:社長|会長|創業者)|(?:社長|会長|創業者)(?:って|は)(?:誰|だれ)"
    # paperwork and liability: "is there a template?", 「必要書類」, 「違反…責任はうち？」
    r"|\btemplates?\b|必要書類|テンプレート|\bliab(?:le|ility)\b"
    r"|(?:違反|監査)[^。？?]{0,30}責任|責任は(?:うち|誰|だれ|どっち|どちら)"
    # which products: 「どこのサードパーティ製品が載る？」, 「セルフサービスでは買えない製品」
    r"|(?:どの|どこの)[^。？?]{0,10}製品が載|製品[^。？?]{0,12}何が載|製品(?:って|は)どれ"
    r"|買え(?:ない|へん|ません)製品"
    # certifications, steps to move a subscription, registering a deal, which line wins
    r"|\bcertif\w*|\bhow (?:do|can|would|should) (?:we|i) (?:transfer|hand (?:it |them )?over"
    r"|migrate)\b|どうやって[^。？?]{0,15}登録|登録(?:すれば|方法|の仕方|手続)"
    r"|\b(?:wins|takes precedence|prevails|trumps)\b|\b(?:what|which) form\b|申込書|申請書"
    # which products are a named kind, rules of one country or state
    r"|\bwhich (?:specific|exact|actual) products? (?:are|is|count|qualify)\b"
    r"|\bwhich products? (?:are|is|count as|qualify as) (?:an? )?lead[- ]status\b"
    r"|\b(?:us|u\.s\.|state|country|region)[- ]specific\b|\bcooperative purchasing\b"
    # which service to use, which partners there are, switching, joining, handing over, a
    # partner going under, who notices, quotes from several vendors
    r"|どの(?:サービス|製品)(?:を)?使|(?:Azure|365)の?どの(?:サービス|製品|プラン)"
    r"|(?:販売店|パートナー|代理店|業者)(?:って|は)?(?:どこ|どれ)(?:が|に)?(?:ある|あります|いい|おすすめ)"
    r"|(?:別の|他の|ほかの|違う)(?:とこ|ところ|販売店|パートナー|代理店|業者)(?:に|へ)(?:乗り換え|変え"
    r"|切り替え)|(?:入れる|参加(?:する|できる)?|加入|登録)(?:ための)?条件"
    r"|(?:管理|ライセンス|サブスクリプション)を[^。？?]{0,6}移(?:せ|す|行|管)"
    r"|潰れ|倒産|廃業|\bgo(?:es)? (?:bust|bankrupt|under|out of business)\b|誰がどうやって|検知"
    r"|相見積|購買規程|何社から|テンプレ|地方自治法|入札(?:制度|手続|ルール|規則|との関係|に(?:対応|参加))"
    r"|(?:調達ルール|調達規則)との関係|\btender(?:ing)? (?:rules|process|requirements)\b"
    r"|\blinkedin\b|\bsocial media\b|\bbest time (?:of day )?to post\b"
    r"|認定(?:され|を受け)(?:る)?(?:ため|には)|(?:認定|参加|登録)(?:の)?要件"
    r"|\b(?:which|what) (?:[\w-]+ ){0,3}offers (?:are|is|will be|would be|get|got)\b[^?]{0,45}"
    r"\bcatalog"
    r"|\b(?:ea|volume) price levels?\b|\blevels? [a-d]\b"
    r"|オファー ?カタログ[^。？?]{0,15}(?:具体的|どの(?:オファー|製品)|どんな(?:オファー|製品))"
    r"|具体的な(?:オファー|製品)(?:は|名|って|の)"
    r"|\b(?:does|do|will|would|is|are) (?:japan|china|india|brazil|germany|france|europe|the eu"
    r"|the us|the uk|canada|australia|korea|singapore)\b"
    # the thresholds in yen: 「100万米ドルの基準、日本円だといくら換算？」
    r"|(?:日本円|円)(?:だと|で|に(?:すると|直すと)?)[^。？?]{0,10}(?:いくら|何円|換算)|円換算"
    r"|\b(?:become|becoming|join|joining|sign up|enrol+)\b[^?.]{0,30}\b(?:partner|csp|program)"
    r"|\b(?:requirements?|eligib\w+|criteria|certification)\b[^?.]{0,30}\b(?:to be|for|become)\b"
    r"[^?.]{0,20}\b(?:partner|csp)"
    r"|著者|執筆者|書いた人|誰が書い|書いたのは(?:誰|だれ)|(?:パートナー|CSP)に?(?:なる|なれる"
    r"|登録する)(?:ため|には|条件|要件)"
    # terms of a contract the guidance does not state: minimums, length, payment, ending it
    r"|\bminimum (?:number of |order of |annual )?(?:seats?|users?|licen[cs]es?|purchase|spend"
    r"|commitment|order|size|quantity)\b"
    r"|\b(?:contract|agreement|ea|mca|subscription|commitment) (?:length|duration|period)\b"
    r"|\b(?:contract|agreement|ea|mca) term\b(?!s)"
    r"|\bhow long (?:is|are|does|do|will)\b[^?]{0,30}\b(?:contract|agreement|ea|mca|term"
    r"|commitment)s?\b|\bpayment terms?\b|\bpenalt(?:y|ies)\b|\bnotice period\b"
    r"|\bdays'? notice\b|\b(?:end|terminate|cancel|exit|leave)\b[^?.]{0,30}\bearly\b"
    r"|\bhow (?:do|can) (?:we|i|a partner|partners) (?:qualify|apply|enrol+|join)\b"
    r"|\bqualify for\b"
    r"|\bmid-?(?:term|way|contract|subscription)\b|\bhalfway\b|\bpart-?way through\b"
    r"|\bmiddle of (?:the |a |an |our |their |its )?(?:[\w-]+ ){0,2}(?:contract|term|subscription"
    r"|agreement|ea)\b|\bin year \d of \d\b|途中|契約期間中"
    # a deadline: the guidance sets none ("by when do EA customers have to sign the MCA?")
    # legacy offers and moving subscriptions across: the guidance names neither
    r"|\blegacy\b|旧オファー|レガシー|\bhand-?off\b|\bhand (?:\w+ ){0,2}(?:over|off) to\b"
    r"|\btransfer(?:s|red|ring)? (?:\w+ ){0,2}(?:subscriptions?|licen[cs]es|seats|admin)\b|移管"
    # minimums, terms, how the year is counted, marketplace spend, forms and portals
    r"|\bmin\.? (?:seats?|users?|licen[cs]es?|spend|commitment|term)\b|\bminimum terms?\b"
    r"|\bterm length\b|\b(?:\d|one|three)-year (?:or|term|agreement|contract|ea)\b"
    r"|\bcalendar year\b|\brolling 12\b|\btrailing[- ]12\b|\b(?:fiscal"
    r"|contract) year\b[^?]{0,20}\bor\b"
    r"|\bor (?:the )?(?:customer'?s |microsoft'?s? )?(?:fiscal|contract|calendar) year\b"
    r"|\bmarketplace\b[^?]{0,40}\b(?:count|include|toward|inside)\w*|\b(?:count|include)\w*\b"
    r"[^?]{0,40}\bmarketplace\b|\bis there (?:a |an )?(?:form|portal|tool)\b"
    r"|\bhow (?:do|can|should|does) (?:we|i|a partner|partners|the customer|customers|a customer"
    r"|a cust|you) (?:actually |really )(?:request|ask for|apply for|get)\b"
    # workshops for free, finding a partner, admin relationships, a partner disclosing its margin,
    # moving what was bought online over to a partner
    r"|無料|\bfree of charge\b|\bfor free\b|\bfree\?"
    r"|(?:パートナー|業者|代理店)[^。？?]{0,10}(?:探し方|(?:どうやって|どこで)探|見つけ方)"
    r"|\bhow (?:do|can|should) (?:we|i) find (?:a |the )?(?:good |right )?(?:partner|reseller)"
    r"|\bgdap\b|\badmin relationship|\b(?:disclose|reveal|show)\w*\b[^?]{0,30}\b(?:its|their|the"
    r"|your) (?:margin|markup|cost|wholesale price)"
    r"|(?:CSP|パートナー|業者|代理店)[^。？?]{0,15}(?:に移せ|へ移せ|に移管|の管理に移)"
    r"|\bdeadlines?\b|\bby (?:when|what date)\b[^?]{0,40}\b(?:have to|has to|must|need to)\b|期限"
    r"|\brefunds?\b|\bcancel+(?:ing|ed|ation)?\b[^?.]{0,40}\bsubscriptions?\b"
    r"|\breserved instances?\b|\bpay[- ]as[- ]you[- ]go\b|\bsavings plans?\b"
    r"|\bspot (?:vms?|instances?)\b|\b(?:how|where) (?:do|can|should) (?:we|i|a partner|partners"
    r"|you) (?:sign up|register|enrol+)\b"
    r"|最低(?:購入)?(?:何|\d+)?\s*(?:シート|ライセンス|数|金額|人数|ユーザー)|契約期間|何年契約"
    r"|支払(?:い)?条件"
    r"|違約金|中途解約|解約|返金|通知期間|参加(?:する)?(?:ため)?の?(?:条件|要件|資格)|認定(?:要件"
    r"|条件)"
    r"|(?:参加|加入|登録|申し込み?|申込)(?:する)?(?:に|に(?:は|って))(?:どう|何|なに)|リザーブド"
    r"|予約インスタンス|従量課金"
    r"|(?:パートナー|CSP)に?なりたい|(?<!報酬とか)(?<!報酬や)(?<!報酬と)(?<!報酬・)支払い?(?:は"
    r"|方法|条件|サイクル)|年払い|前払い|一括払い"
    r"|同業他社|他社の(?:事例|例)"
    r"|\bhow many (?:business )?(?:days|hours|weeks)\b|\bwithin (?:the first )?\d+ (?:hours|days)\b"
    r"|\bhow long (?:does|do|will|would)\b[^?]{0,40}\b(?:take|last)\b"
    # how long one must stay, how a referral picks its partner
    r"|\bhow long (?:must|do|should|will|would|does) (?:we|they|customers?|a customer|the customer"
    r"|i) (?:have to )?(?:stay|remain|wait|be locked)\b|\bhow (?:does|do|will|would) (?:the )?"
    r"(?:qualified referral program|qrp|microsoft|ms)\b[^?]{0,20}\b(?:decide|choose|pick|select"
    r"|match)"
    r"|(?<!月)(?<!月の)(?<!日って)(?<!日は)何日(?!付|になっ|に変わ|にずれ|にズレ)|何時間|何週間"
    r"|\bhow (?:do|can|should) (?:we|i|partners?|a partner) (?:actually )?(?:submit|register|file"
    r"|enter|log|apply|sign)\b|(?<!several )(?<!systems )(?<!platforms )\bside by side\b|併用"
    r"|登録(?:は|って)?(?:どこ|どう)|申請方法"
    r"|登録方法|どこから(?:登録|申請|申し込)|\breservations?\b|\bcancel\w*|キャンセル"
    r"|\bstep[- ]by[- ]step\b|\b(?:steps|procedure) (?:to|for)\b"
    r"|(?:具体的な|詳しい)?(?:手順|手続き)(?:を|は|って)"
    # what the guidance never names or counts: the portal, a partner of record, how many partners,
    # currency risk, audits, how often updates come, billing periods, funding programmes
    r"|\b(?:name|url|address) of (?:the |that )?(?:web )?(?:portal|site|website|store)\b"
    r"|\b(?:portal|site|website)(?:'s)? (?:name|url|called)\b|\bwhat(?:'s| is) (?:the |that )?"
    r"(?:[\w-]+ ){0,4}(?:portal|site|website|store|shop)\b[^?]{0,40}\bcalled\b"
    r"|(?:ポータル|サイト)(?:の|って)?(?:正式)?(?:名前|名称|URL)|(?:なんて|何て"
    r"|なんという)(?:名前の)?(?:サイト|ポータル)"
    r"|\bpartner of record\b|\b[dc]?por\b|\bhow many (?:partners|resellers|csp partners"
    r"|customers|companies)\b|\bcurrency risk\b|為替(?:リスク|差損)"
    # an audit asked about, not the customer's own audit that a question is for
    r"|(?<!internal )\baudits?\b(?! (?:team|trail|files?|documents?|documentation|purposes?"
    r"|committee))|(?<!内部)監査(?!資料|上|の(?:ため|観点)|チーム|部門|担当)|\bhow often (?:does|do"
    r"|will|is|are) (?:microsoft|ms|it|they)\b|頻度"
    r"|\bhow much notice\b|何(?:か|ヶ|カ|ケ)月前"
    r"|\b(?:annual|monthly|yearly) (?:terms?|commitments?)\b|月払い|年契約|月契約"
    r"|\bfunding (?:programs?|programmes?)\b|費用補助|資金援助|並行して(?:持|契約|使)"
    # sectors, other licensing programmes and partner types the guidance never mentions
    r"|\b(?:government|public[- ]sector|schools?|universit(?:y|ies)|education(?:al)?|academic"
    r"|non-?profits?|charit(?:y|ies)|healthcare|hospitals?|pharma\w*|gov|gcc|nhs)\b"
    r"|教育機関|学校|大学|政府|官公庁|自治体|公共(?:機関|部門)|非営利|NPO|医療|製薬|病院"
    r"|\b(?:mpsa|open value|open licen[cs]e|select plus|spla|lsp|licensing solution partners?"
    r"|direct[- ]bill\w*|indirect (?:resellers?|providers?)|[12]-tier|tier [12])\b"
    r"|MPSA|オープン ?バリュー|ダイレクト ?ビル|インダイレクト|間接リセラー"
    r"|\bcompetenc(?:y|ies)\b|\bdesignations?\b|\bsolutions partner\b|コンピテンシー|パートナー資格"
    r"|ソリューション ?パートナー(?:の)?認定|請求書払い"
    r"|\b(?:can|could|may)\b[^?]{0,30}\b(?:pay|use)\b[^?]{0,15}\bcredit cards?\b"
    r"|\bcredit cards? (?:accepted|allowed|ok)\b|クレジット ?カード(?:払い|決済)?(?:は|って|が"
    r"|で)?(?:使え|利用でき|可能|OK|払え)"
    r"|\bpartner center\b|パートナー ?センター"
    # (consoles many and apart are the guidance's own point: 「管理画面もいくつもあるし」)
    r"|管理画面(?![^。？?]{0,12}(?:いくつ|複数|ばらばら|バラバラ|分かれ|別々|ごとに))"
    r"|\b(?:haiku|poem|joke|song)s?\b|俳句|ジョーク"
    # who inside Microsoft does what, shares of its business, product ids, exams: never named
    r"|\bwhich (?:microsoft |ms )?(?:team|department|group|unit|person|individual)s?\b"
    r"|\bwhat (?:microsoft |ms )?(?:team|department)\b|どの(?:部署|チーム|部門)|担当部署"
    r"|\bshare of\b[^?]{0,30}\b(?:revenue|sales|business|customers)\b|\bhow many (?:\w+ )?tiers\b"
    r"|\bdisputes?\b|\b(?:product|offer|plan) ids?\b|(?:製品|プロダクト|オファー) ?ID"
    r"|\bexams?\b|\b(?:az|ms|md|sc|pl|dp|ai)-\d{3}\b|(?:認定|資格)試験"
    # what counts toward the thresholds, which the guidance never says
    r"|\b(?:trial|device[- ]based|device) (?:seats?|licen[cs]es?)\b|\bper (?:product|tenant"
    r"|service|subscription)\b|\b(?:add(?:ed)? up|added together|combined|averaged)\b"
    r"|\bhow many (?:tenants|affiliates|subsidiaries|entities|workshops|tiers)\b"
    r"|トライアル(?:の)?シート|試用(?:の)?シート|デバイス(?:ベース)?(?:の)?ライセンス|合算"
    r"|(?:製品|テナント|サービス)ごと|何テナント|何社(?!か)|数に入(?:り|る|れ)"
    # who signs the agreement, refusing it, applying for approval, claw-backs, FX losses
    r"|\bwho\b(?![^?]{0,40}\bquotes?\b)[^?]{0,40}\bsigns?\b|\bsign(?:ed)? (?:it )?electronically\b"
    r"|\bre-?(?:accept|sign)\b"
    r"|\brefuses? to (?:sign|accept)\b|署名(?:できる|する)?(?:人|者|権限)|誰が(?:署名|サイン)"
    r"|(?:署名|サイン)(?:するの)?は(?:誰|だれ)|(?:拒否|断)(?:したら|すると|した場合)"
    r"|(?:どうやって|どのように)(?:申請|承認を)|申請(?:は|を)?(?:どうやって|どのように|どう|どこ)"
    r"|(?:専用|申請|承認)(?:の)?フォーム|\bapproval (?:form|process|request)s?\b"
    r"|\bhow (?:do|can|should|does) (?:we|i|a partner|partners|the customer|customers)"
    r" (?:request|ask for|apply for|get)\b"
    r"[^?]{0,20}\bapproval\b|\bclaw(?:s|ed)? ?back\b|\bfx (?:loss|risk)\b|為替差損|ペナルティ"
    r"|請求(?:書)?[^。？?]{0,10}(?:月次|年次|頻度)|判定(?:する|される)?(?:の|は)?(?:誰|いつ)"
    r"|誰が(?:いつ)?判定"
    r"|\bgrace period\b|猶予|\bdev ?[/-]? ?test\b|\bprod(?:uction)? (?:consumption|subscriptions?"
    r"|subs)\b"
    r"|\bwho (?:pays|funds|covers|foots) (?:for )?(?:the |those |a )?(?:workshops?|pocs?|proofs? of"
    r" concept|migrations?|deployments?|training)\b|誰が(?:費用|お金)を?(?:払|負担|出)|費用(?:は"
    r"|を)?(?:誰"
    r"|だれ)が?(?:負担|持|払)"
    r"|\bwhich (?:microsoft |ms )?(?:contact|alias|email)s?\b"
    r"|\bwhich (?:tool|system|portal)s? (?:do|does|should|is|are|to|will|handles?)\b"
    r"|どの(?:チーム|部署|窓口|ツール|システム)|(?:何|なん)の(?:ツール|システム)"
    r"|\b(?:criteria|conditions)\b[^?]{0,40}\bapprov\w*|\bapproval criteria\b|承認(?:の)?(?:基準"
    r"|条件|要件)"
    r"|正式名称|正式な名前|\bofficial name\b|\bwhat(?:'s| is| are) (?:it|they|that"
    r"|those) officially called\b"
    r"|(?:どういう|どんな|どのような)(?:手順|手続き)"
    r"|既存の?(?:サブスク\w*|契約|ライセンス|オファー)[^。？?]{0,10}(?:どうな|引き継|移管)|移管"
    r"|\bwhat happens to (?:our |the |their |its |my )?existing (?:subscriptions?|contracts?"
    r"|licen[cs]es?|agreements?|offers?)\b"
    r"|\blegacy offers?\b"
    r"|\bre-?buy\b|\btransfer (?:the |our |their |existing )?(?:subscriptions?|licen[cs]es?)\b"
    r"|(?:プラットフォーム|システム|コマース体験|仕組み)[^。？?]{0,15}(?:いつ"
    r"|時期)[^。？?]{0,10}(?:完成|本格|稼働|実現)"
    r"|いつ[^。？?]{0,10}(?:完成|本格稼働)|\bwhen\b[^?]{0,40}\b(?:platform|system"
    r"|commerce experience)\b"
    r"[^?]{0,30}\b(?:complete|completed|finished|fully|ready|done|available)\b"
    r"|為替レート|\bexchange rates?\b|最低(?:購入)?額|\b(?:mid|middle of (?:a|the|their)"
    r"|during (?:a|the"
    r"|their)) (?:contract|term|subscription)\b|契約(?:の)?(?:期間の)?(?:途中|期間中)"
    r"|\bcut-?over\b|\bout of business\b|\bbankrupt\w*|倒産|\bdirectory\b|\bmatching tool\b"
    r"|\bdefine\b[^?]{0,30}\b(?:mid-?size|small|smb)\b|\bwhich (?:specific )?tools\b"
    r"|\b(?:what|which) documents?\b|(?:必要な|どんな|どの)書類|\bat the same time\b"
    r"|\bsimultaneously\b|同時に"
    r"|\bwhich (?:web )?portal\b|\b(?:partners?|customers?|we|they)\b[^?]{0,30}\b(?:have to|must"
    r"|need to|required to) (?:notify|inform|tell|report to) (?:microsoft|ms)\b"
    r"|\b(?:tax|taxes|vat|gst)\b|消費税|税金|インボイス制度|適格請求書"
    # "is the guidance's threshold stated in yen?" asks in what currency the guidance puts it
    r"|(?<!stated )(?<!given )(?<!expressed )(?<!written )(?<!set )\bin (?:jpy|yen|eur|euros?"
    r"|gbp"
    r"|pounds)\b(?! or (?:us )?(?:dollars|usd))|(?:円|ユーロ|ドル)(?:建て|で支払|払い)(?!で(?:結構"
    r"|いい|良い|OK|構いません"
    r"|大丈夫))|\bkpis?\b|\bmetrics\b|評価指標"
    r"|承認が(?:下り|おり|得られ|通ら)(?:なかった|ない)|\bif (?:microsoft|ms) (?:says no|declines"
    r"|denies"
    r"|rejects|turns (?:it |them )?down)\b|\b(?:is|are|gets?|was) (?:denied|rejected|turned down)\b"
    r"|\bmosa\b|\bslas?\b|\bresponse times?\b|\bpartner finder\b|\bget listed\b|為替変動"
    r"|(?:区分|認定)(?:を|が)?(?:持|必要|要る)|投資(?:額|の規模)|規模の投資|\bhow much (?:is|does"
    r"|will)"
    r" (?:microsoft|ms) invest|(?:何|なん)という名前に(?:なる|なり)|\bwhat (?:will|would) (?:it"
    r"|they"
    r"|the"
    r" \w+) be called\b|\bAPAC\b|アジア太平洋|売上[^。？?]{0,10}(?:どの程度|どのくらい"
    r"|何人"
    r"|いくら)|どのイベント|\bwhich (?:event|conference)\b|(?:プラットフォーム|システム"
    r"|コンソール)[^。？?]{0,10}提供開始"
    # how the guidance's size words are counted: it gives no head count for SMB
    r"|(?:中堅|中小|SMB)[^。？?]{0,20}(?:何人|何名|従業員数)|\b(?:smb|small and mid-?size)\b"
    r"[^?]{0,30}\bhow many (?:employees|staff|people)\b|\b(?:headcount|revenue|turnover|employees"
    r"|criteria)\b"
    r"[^?]{0,60}\b(?:largest|biggest) customers?\b|\bimages?\b|\b(?:diagram|chart)s? in the (?:post"
    r"|guidance|blog"
    r"|article)\b|(?:図|画像)(?:には|に|の中|で)|もう(?:完成|実現|稼働)|\b(?:largest"
    r"|biggest) customers?\b[^?]{0,40}"
    r"\b(?:revenue|headcount|turnover|employees|spend|criteria|definition|defined)\b"
    r"|\bwhat (?:counts"
    r"|qualifies) as\b[^?]{0,30}\b(?:largest|biggest|large|small|mid-?size)\b"
    # the name of the platform to come, and how to join a programme: the guidance gives neither
    r"|\bplatform\b[^?]{0,60}\b(?:called|named)\b|具体(?:名|的な名前)|SKU(?:って|は)?、?(?:どれ"
    r"|どの)"
    r"|何\s?(?:テナント|tenant)|誰が\s?(?:sign|署名|サイン)|\be-?sign\w*|電子署名|\bwhere is (?:our"
    r"|the|my) (?:\w+ )?data (?:stored"
    r"|hosted"
    r"|kept)\b|\bjapan (?:east|west)\b|データ(?:の)?(?:保存|保管)(?:場所|先)|\b(?:which"
    r"|what) month exactly\b|\b(?:late"
    r"|second half)"
    r"\b[^?]{0,40}\b(?:which|what) (?:exact )?month\b"
    r"|\bdoes (?:microsoft|ms) "
    r"(?:fund|pay for|cover|reimburse|subsidi[sz]e)\b|\bon our budget\b|(?:買え|購入でき)(?:ない"
    r"|る)製品"
    r"|(?:QRP|Qualified Referral"
    r"|紹介プログラム)[^。？?]{0,25}(?:条件|要件"
    r"|資格)|\bhow long\b[^?]{0,50}\bapprov\w*|\bapprov\w*"
    r"[^?]{0,40}\bhow long\b|承認[^。？?]{0,15}(?:何日|何週間|どのくらいの期間|期間)"
    r"|\bjapan(?:ese)?[- ](?:only|specific) (?:rules?|terms|polic(?:y|ies)|requirements|programs?"
    r"|pricing|offers?)\b|日本(?:独自|だけ|限定)の(?:ルール|規定|条件|制度)|\b(?:which"
    r"|what) (?:\w+ )?tools?"
    r"\b[^?]{0,40}\b(?:microsoft|ms|partners?) (?:gives?|provides?|offers?|uses?)\b|\btools? (?:to"
    r"|that|for) (?:check|calculat|determin|assess)"
    r"|(?:マイクロソフト|MS)\s?に[^。？?]{0,10}(?:報告|通知|届け出|届出)|(?:QRP|Qualified Referral"
    r"|紹介プログラム"
    r"|プログラム)"
    r"[^。？?]{0,15}(?:申し込|申込|参加方法|登録方法)|苦情|クレーム|\bcomplain\w*"
    r"|(?:営業|セールス|販売担当)[^。？?]{0,20}(?:何人|何名)|テナント[^。？?]{0,10}(?:最大|上限"
    r"|いくつ|何個)"
    r"|誰の署名|(?:役員|社内)?決裁|\bwho (?:needs to|has to|must|should) sign\b|\bsignator(?:y"
    r"|ies)\b"
    r"|金融庁|\bFISC\b|\bhow (?:do|can|would|should) (?:i|we|customers?"
    r"|partners?)\b[^?]{0,20}\b(?:get matched|get referred|sign up|enrol+|register)\b"
    # who inside Microsoft approves or decides: the guidance names no one
    # ("who has to approve multi-affiliate terms?" is answered: Microsoft, specially)
    r"|\bwho (?:at|inside|within|in) (?:microsoft|ms)\b|\bwho\b[^?]{0,40}\b(?:approves?"
    r"|approving|signs? off|grants?)\b(?=[^?]{0,40}\b(?:at|in|inside|within) (?:microsoft|ms)\b"
    r"|[^?]{0,60}\b(?:team|desk|person|department|vp|exec\w*)\b)"
    r"|\bwho\b[^?]{0,30}\bthe approval\b"
    r"|(?:マイクロソフト|MS|ＭＳ)\s?(?:側|の中|社内)?(?:で|の)?(?:最終的に)?(?:は)?誰が"
    r"|誰が(?:承認|判断|ジャッジ|決裁|許可)|(?:承認|許可)(?:は|を)(?:誰|だれ)"
    # the assistant itself, and other organisations' choices
    r"|\bwho (?:built|made|created|trained|programmed) you\b|\bare you (?:an? )?(?:ai|bot|robot"
    r"|human|person|chatgpt|gpt)\b|\bwhat (?:ai|model|llm)\b[^?]{0,20}\byou\b"
    r"|\b(?:remember|store|keep)\b[^?.]{0,30}\bbetween (?:sessions|conversations|chats)\b"
    r"|あなた(?:は|って)[^？?。]{0,20}(?:AI|モデル|誰|何者|人間|ロボット)|株価|天気"
    # other people's conversations: never a guidance question, and nothing the advisor shares
    r"|\b(?:other|previous|last|another) (?:customers?|users?|people)\b[^?.]{0,30}"
    r"\b(?:tell|told|said|say|says|ask|asked|wrote|typed)\b"
    r"|\b(?:other|previous|last|another) (?:conversations?|sessions?|chats?|transcripts?)\b"
    r"|\bconversations? (?:you|u) (?:had|have had)\b"
    r"|(?:他|ほか|前|以前)の(?:お客様|顧客|ユーザー|人)(?:が|の|は)[^？?。]{0,20}(?:言|話|聞|質問"
    r"|書)"
    r"|(?:他|ほか|前|以前)の(?:会話|セッション|チャット)",
    re.IGNORECASE,
)
# asking to be contacted: "how do I get a partner to contact us?", 「担当者から連絡をもらうには」
_CONTACT = re.compile(
    r"\b(?:contact|call|email|e-mail|reach|ring) (?:me|us)\b|\bget in touch\b|\bhear back\b"
    r"|\b(?:can|could|may|like to|want to|let me|let us) (?:i |we )?(?:talk|speak) (?:to|with) "
    r"(?:a |an |some)?(?:one|body|person|human|real|seller|sales|partner)"
    r"|連絡(?:を|が)?(?:もら|ほし|欲し|して|いただ|くだ|下さ)"
    r"|(?:担当者?|営業|セールス|販売担当者?|パートナー)(?:の方)?(?:と|に)"
    r"(?:話したい|話せ|相談したい|相談でき|つないで|繋いで|連絡)",
    re.IGNORECASE,
)
# notice of the changes, which the guidance promises: 「事前の連絡はどういう形で来る？個別に
# 連絡もらえる？」 asks about that notice, not to be contacted
_NOTICE = re.compile(r"事前|前もって|通知|知らせ|\bnotice\b|\bnotif\w*|\bwarn\w*", re.IGNORECASE)
# what happened after the guidance's last update: "did it actually happen?", 「その後どうなった」
_AFTERWARDS = re.compile(
    r"\bwhat (?:happened|has happened|changed) (?:after|since|next|later)\b|\bsince then\b"
    r"|(?<!\bwhat )\bdid (?:it|they|that|those|the \w+(?: \w+)?) (?:actually|really|in the end"
    r"|finally) "
    r"(?:happen|change|go ahead|take effect|start)"
    r"|その後(?:どう|は)|(?<!更新で、)(?<!更新で)(?:結局|最終的に)[^。？?]{0,30}(?:された|変わった"
    r"|実施された|始まった|だった"
    r"|なった)(?:んですか|のですか|の|ん(?:やろ|でしょう)?か?)?(?:[?？]|$)"
    r"|\b(?:latest|newest|most recent|this (?:fiscal )?year'?s?|next (?:fiscal )?year'?s?)\s+"
    r"(?:\w+\s+){0,2}(?:rules?|incentives?|thresholds?|programs?|programmes?|pricing"
    r"|policy|policies)\b"
    r"|\b(?:rules?|incentives?|thresholds?|programs?|pricing|policy) (?:for|of|in) (?:this|next)"
    # "next year" in what is asked, not in the situation told before it ("our EA ends next year.")
    r" (?:fiscal )?year\b|\bnext year\b(?=[^.!:]*$)|\bsince (?:20\d\d|the update|then)\b"
    r"|\b(?:pushed|delayed|postponed|moved) (?:again|back|further)\b|\bwhat'?s new\b"
    r"|\bsince (?:the )?(?:(?:may|june|july) )?(?:20\d\d )?(?:update|revision|post)\b"
    r"|\bsince (?:may|june|july|mid|late) ?(?:20\d\d)\b|\bwhat(?:'s| has) happened\b"
    r"|(?:更新|改訂)(?:の)?(?:あと|後|以降)[^。？?]{0,20}(?:変わ|変更|どう|何)"
    r"|\b(?:updates?|changes?|news)\b[^?]{0,40}\b(?:after|since) (?:(?:may|june|july) )?2022\b"
    # "has anything actually changed per this guidance?" asks what the guidance says
    r"|(?<!\bwhat )\b(?:did|has|have|was|were)\b(?![^?]{0,30}\b(?:update|revision|version)\b)"
    r"(?![^?]*\b(?:per|according to|in) (?:this|the) (?:guidance|post|article|blog)\b)[^?]{0,60}"
    r"\b(?:actually|really|eventually|finally|ever)\b"
    r"[^?]{0,20}\b(?:launch|happen|start|change|raise|lower|go ahead|take effect|ship|go live"
    r"|kick\w* in"
    r"|land|implement\w*|roll\w* out|introduc\w*)"
    r"|\b(?:has|have)\s+(?:\w+\s+){0,2}since\b|\bfinally (?:implemented|rolled out|introduced)\b"
    r"|\binspire\b|\bignite\b|\bretir(?:e|es|ing|ed)\b|\b(?:was|were|been|got) phased out\b"
    r"|\bsunset\w*"
    # "how early did the original post say these changes could happen?" asks what it said
    r"|^(?![^?]*\b(?:when|say|said|says)\b)[^?]*\bdid\b[^?]{0,60}\b(?:happen|take effect|go ahead"
    r"|go live|launch)\b"
    r"|\b(?:after|since) the (?:may|2022)[^?]{0,12}\b(?:update|revision)\b"
    r"|\bdid\b[^?]{0,40}\blater\b|\b(?:was|were|has|have)\b[^?]{0,40}\b(?:changed|raised|lowered"
    r"|revised|adjusted) (?:later|since|afterwards?)\b"
    r"(?! (?:publication|it was (?:first )?published|it came out|first published"
    r"|it was posted))|\blater (?:raise|raised|lower|lowered|change"
    r"|changed|drop"
    r"|dropped)\b"
    r"|\bsince (?:this|the) (?:post|guidance|article|blog) (?:came out|was (?:published|updated"
    r"|posted))|\bend(?:ed)? up (?:happening"
    r"|going ahead)\b"
    r"|\b(?:has|have) (?:it|they|that) been replaced\b|\breplaced by\b|\bstill\b[^?]{0,40}\btoday\b"
    r"|(?:出た|公開された|発表された|更新された)(?:後|あと)|(?:5/23|5月23日|更新)の(?:後|あと)に"
    r"|延期(?:の発表|された|になった)|廃止"
    # news heard since: 「最近になってEAの新規受付が終了したと聞いた」, "recently ended"
    r"|最近(?:になって)?[^。？?]{0,30}(?:終了|変更|変わ|始ま|開始)(?:した|された|になった|った)"
    r"|\brecently\b[^?.]{0,40}\b(?:ended|stopped|changed|discontinued|retired|started)\b"
    r"|もう[^。？?]{0,30}(?:なくなった|やめた|廃止された|出さなくなった)"
    r"|(?:現在|今)(?:も|でも)[^。？?]{0,30}(?:変わって|変更され|有効|同じ)"
    r"|最近の(?:報道|ニュース)|\brecent (?:news|reports?|press|headlines?)\b|\bin the news\b"
    r"|\bnext (?:update|revision|version) of\b|次の(?:ガイダンス)?(?:更新|アップデート|改訂)"
    r"|\bfy ?(?:2[3-9]|20(?:2[3-9]|3\d))\b|\bfiscal (?:year )?20(?:2[3-9]|3\d)\b|FY ?(?:2[3-9]"
    r"|20(?:2[3-9]|3\d))"
    r"|最新の(?:[\w\s]{0,14}?)(?:ルール|インセンティブ|しきい値|基準|価格|プログラム|規定|ポリシー)"
    r"|(?:今|現在|いま)(?:でも|も)[^。？?]{0,12}(?:変わって|同じ|有効)"
    r"|(?:今|現在|いま)の(?:最新|ルール|基準)[^。？?]{0,12}(?:変わ|変更)|最新版|まだ計画(?:の)?まま"
    r"|\b(?:another|a (?:later|newer|further)) update\b"
    r"|\bnewer than\b|\b(?:really|actually) made (?:csp|the csp|it|them)\b|\bwhen (?:it|that"
    r"|this) happened\b"
    r"|今年度"
    r"|\b(?:actually|really|ever|finally) (?:went|came) into effect\b"
    # a plan asked as done: "has CSP actually become the main breadth motion yet?", "did MS end
    # up forcing…", 「現時点で、CSPはもう主要な…になった？」, 「予定どおり一般提供された？」
    r"|\b(?:did|has|have)\b[^?]{0,60}\b(?:actually|really|finally|ever)\b[^?]{0,20}"
    r"\b(?:become|became|end(?:ed)? up)\b|\bdid\b[^?]{0,30}\bend(?:ed)? up \w+ing\b"
    r"|\b(?:has|have)\b[^?]{0,60}\b(?:launched|happened|become|started|taken effect|gone live"
    r"|rolled out|landed)\b[^?]{0,20}\byet\b|\bstill around\b"
    r"|(?:現時点|今の時点)(?:で|では)?、?[^。？?]{0,30}(?:もう|すでに|既に)[^。？?]{0,30}"
    r"(?:なった|なりました|始まった)"
    r"|(?:今|現在)は[^。？?]{0,20}(?:どこが|何が)[^。？?]{0,6}(?:更新|変わ|変更)"
    # (whether the timing is fixed yet is the guidance's own question: not yet)
    r"|名(?:前|称)(?:が|も|は)?変わ|(?:噂|うわさ|聞いた)[^。？?]{0,30}"
    r"(?:正式に決まっ|正式(?:に|な)?発表)"
    r"|予定(?:どおり|通り)[^。？?]{0,30}(?:され|始ま|なっ|開始|提供|実施|出)(?:た|ました)"
    # "what next steps did Microsoft eventually announce?", 「QRPって今もまだある？」, 「その後
    # 見直された？」, 「もう一回延期ってあった？」, 「今ってEAの新規契約もうできなくなってる？」
    r"|\b(?:eventually|finally|later|subsequently) (?:announce|publish|release|share"
    r"|communicate)d?\b|\bended up in\b|\bby now\b|\blater announcements?\b"
    r"|\bcurrent status\b|\bstatus (?:today|now)\b|\b(?:today|right now)\b[^?]{0,40}\b(?:finished"
    r"|done|completed?)\b"
    r"|\b(?:has|have)\b[^?]{0,40}\balready become\b|\b(?:actually |ever )?got added\b"
    r"|\b(?:offers?|products?|services?)\b[^?]{0,40}\b(?:were|have been|has been) added\b"
    r"|\bsince (?:this|the (?:post|guidance|article|blog)) (?:came out|was (?:written|published"
    r"|updated|posted))\b|もう(?:出来上が|できあが|完成|実現|稼働)|最新の数字|最新(?:ので|のやつ|版で)"
    r"|(?:今|いま)(?:って|は)?[^。？?]{0,20}もう[^。？?]{0,10}(?:(?:適用され|導入され|実施され)"
    r"(?:てる|ている|ています)|始まって(?:る|いる|います))"
    r"|(?:影響|反応|評判)[^。？?]{0,8}どう(?:だった|でした)"
    r"|(?:今現在|現在|今)も[^。？?]{0,30}(?:シート|万ドル|基準|目安|しきい値)[^。？?]{0,6}のまま"
    r"|(?:QRP|Referral Program|紹介プログラム|プログラム)[^。？?]{0,10}今も(?:まだ)?"
    r"(?:ある|あります|続いて|存在|やって)"
    r"|その後[^。？?]{0,6}見直|もう一(?:回|度)延期|再延期|また延期"
    r"|(?:今|現在)(?:って|は|でも)?[^。？?]{0,20}もう[^。？?]{0,12}(?:できなくなって|なくなって"
    r"|終わって|終了して)"
    r"|\b(?:actually|really|ever) (?:launched|happened|started|took effect|went ahead|went live"
    r"|rolled out|landed)\b"
    # next year's rules, not the asker's next year: 「来期はもっと増えるかもしれなくて」 is in scope
    r"|(?:来年度?|来期|今期)(?:も|もまた|の)[^。？?、]{0,12}(?:ルール|インセンティブ|価格|条件|基準"
    r"|しきい値|変更|改定|予定|料金)|(?:来年度?|来期|今期)(?:から|以降)[^。？?]{0,20}(?:変わ|変更|どう)"
    r"|今期|引き上げられ|引き下げられ|変更されました(?:か)?|実際に(?:開始|始まり|実施)",
    re.IGNORECASE,
)


_JAPANESE_THEN_LATIN = re.compile(
    r"(?<=[\u3040-\u30ff\u3400-\u9fff])(?=[A-Za-z])|(?<=[A-Za-z])(?=[\u3040-\u30ff\u3400-\u9fff])"
)


# words a customer may spell in kana that the rules read in kanji: 「なんぱーせんと」「てつづき」
_IN_KANJI = tuple(
    (re.compile(kana), kanji)
    for kana, kanji in (
        ("なん(?:ぱーせんと|パーセント)", "何パーセント"),
        ("なんにち", "何日"),
        ("なんにん", "何人"),
        ("なんかげつ", "何か月"),
        ("てつづき", "手続き"),
        ("もうしこみしょ", "申込書"),
        ("きげん", "期限"),
        ("ねだん", "値段"),
        ("わりびき", "割引"),
        ("ねびき", "値引き"),
        ("しはらい", "支払い"),
        ("さいしん", "最新"),
    )
)


def in_kanji(question: str) -> str:
    """Return a question with the kana spellings the rules know written in kanji."""
    for kana, kanji in _IN_KANJI:
        question = kana.sub(kanji, question)
    return question


def spaced(question: str) -> str:
    """Return a question with a space between Japanese and English words (for word bounds)."""
    return _JAPANESE_THEN_LATIN.sub(" ", question)


# the asker saying what kind of organisation they are: a hospital asking whether it must move to
# an EA asks about the guidance, not about hospitals
_SELF_DESCRIBED = re.compile(
    r"(?:当院|弊院|うち|弊社|当社|私ども|本学|当学|本法人|当法人|当センター|附属)(?:の|は|では)?"
    r"[^。？?、]{0,20}?(?:病院|医療|大学|学校"
    r"|自治体"
    r"|NPO|非営利)[^\s。？?、]{0,6}|[（(]?(?:医療法人|社会福祉法人)[^)）、。]{0,12}[)）]?"
    # one customer described, not a sector asked about: 「お客様は大学の研究室で」,
    # 「（従業員1,200名の私立病院など）」, "our city government", "our public-sector obligations"
    r"|(?:お客様|お客さん|顧客|先方)は[^。？?、]{0,12}?(?:病院|医療|大学|学校|自治体|NPO|非営利)"
    r"[^\s。？?、]{0,6}"
    r"|[（(][^)）]{0,16}\d[\d,]*\s*(?:名|人|シート|ユーザー)[^)）]{0,16}[)）]"
    r"|\bour (?:[\w-]+ ){0,2}?(?:city |local |municipal )?(?:government|public[- ]sector"
    r"|education board|school|university|hospital|charity|non-?profit)\b"
    r"|\bwe(?:'re| are) (?:a|an) (?:[\w-]+ ){0,2}?(?:government|public[- ]sector|school"
    r"|university|hospital|charity|non-?profit)\b"
    # "we're a small CSP partner serving universities", 「大学の一部局が」: who asks, not a sector
    r"|\bwe(?:'re| are) (?:a|an) (?:[\w-]+ ){0,4}?(?:serving|for|with) (?:[\w-]+ ){0,2}?"
    r"(?:universities|schools|hospitals|governments|public[- ]sector|non-?profits|charities)\b"
    r"|大学の(?:一)?(?:部局|学部|研究室|部署)",
    re.IGNORECASE,
)


# affiliates or tenants in several countries and the terms that join them, which the guidance
# covers (multi-affiliate, multi-tenant, special approval), and the country names that only say
# where they are
_AFFILIATES_APPROVED = re.compile(
    r"(?=.*(?:affiliat|tenant|subsidiar|関連会社|テナント|子会社|グループ会社|アフィリエ))"
    r"(?=.*(?:approv|承認|multi-?affiliat|multi-?tenant|マルチアフィリエ|マルチテナント))",
    re.IGNORECASE | re.DOTALL,
)
_COUNTRY = re.compile(
    r"(?:(?:in|for|from|across|to) (?:the )?)?(?:brazil|portugal|germany|france|uk|united kingdom"
    r"|the us|usa|united states|canada|mexico|australia|korea|singapore|japan|china|india|europe"
    r"|eu)|米国|アメリカ|ドイツ|フランス|イギリス|英国|カナダ|メキシコ|オーストラリア|韓国|台湾|香港"
    r"|シンガポール|中国|インド|ブラジル|欧州|ヨーロッパ|海外",
    re.IGNORECASE,
)


def affiliates_abroad(question: str) -> bool:
    """Tell whether a question asks about joining affiliates or tenants in named countries.

    "affiliates in Brazil, Portugal and Germany: special approval?" asks about the terms the
    guidance covers; the countries only say where the affiliates are.
    """
    return (
        _AFFILIATES_APPROVED.search(question) is not None and _COUNTRY.search(question) is not None
    )


def out_of_scope(question: str, as_of: str, *, defines: bool = False) -> str | None:
    """Return why the guidance cannot answer a question (the refusal's reason), or None.

    `defines`: the question asks what a glossary term means, which the glossary answers even
    where the words look like a product or a programme's terms.
    """
    question = spaced(in_kanji(question))
    if _OTHER_VENDORS.search(question) and not _LIKE_A_MARKETPLACE.search(question):
        return "vendor"
    if asks_price(question):
        return "price"
    # what is asked, not the situation told around it: 「当院は…病院グループで」, "we're on a
    # hospital project. Does the guidance say size decides everything?"
    asked = " ".join(asked_parts(question)) or question
    told = _SELF_DESCRIBED.sub(" ", asked)
    regions = [m.group(0) for m in _SKU_OR_REGION.finditer(asked)]
    if affiliates_abroad(asked) and all(map(_COUNTRY.fullmatch, regions)):
        regions = []  # "affiliates and tenants in Brazil, Portugal, Germany: special approval?"
    if not defines and (regions or _NOT_COVERED.search(told)):
        return "topic"
    if _AFTERWARDS.search(question):
        return "afterwards"
    if _CONTACT.search(question) and not _NOTICE.search(question):
        return "contact"
    later = [y for y in _YEAR.findall(question) if y > as_of[:4]]
    if later:
        return f"later:{later[0]}"
    return None
