"""Answers without a figure: yes, no, not sure, no seats, no Azure."""

from __future__ import annotations

from advisor.nlu.text import W0, W1, rx

NO_SEATS = rx(
    W0 + r"no (?:[a-z0-9-]+ ){0,2}?(?:seats?|licen[cs]es|seat licen[cs]es|user licen[cs]es"
    r"|subscriptions)" + W1,
    W0 + r"(?:don't|do not|won't|will not|doesn't|does not|not going to|no plans? to|never)\s+"
    r"(?:need|want|have|buy|use|using|purchase|require)\s+(?:any\s+)?(?:new\s+)?(?:seats?"
    r"|licen[cs]es|seat licen[cs]es|user licen[cs]es|microsoft 365|m365|office 365|o365)" + W1,
    W0 + r"(?:not using|aren't using|are not using|don't use)\s+(?:microsoft 365|m365"
    r"|office 365|o365)" + W1,
    W0 + r"azure[- ]only" + W1,
    W0
    + r"(?:only|just) (?:need |want |use |buy |using |needing )?azure"
    + W1
    + r"(?!\s*(?:ad|active directory)"
    + W1
    + ")",
    W0
    + r"(?:seats?|licen[cs]es)\s*(?::|=|-|\?+)\s*(?:none|no|nope|nah|n/a|nil|zero|0)"
    + W1
    + r"(?!\s*(?:idea|clue|sure|one knows))",
    r"(?:シート|ライセンス|席|microsoft 365|m365|office 365|o365)(?:は|も|が)?"
    r"(?:特に|今は|現在は|まだ|全く|まったく)?(?:不要|要らない|いらない|必要ない|必要ありません"
    r"|なし|無し|ゼロ|0|使っていない|使ってない|使っていません|使いません|使わない|利用していない"
    r"|利用していません|ありません|持っていない|持っていません|購入しない|購入しません|買わない"
    r"|買いません)",
    r"(?:azure|アジュール)(?:の)?(?:み|だけ)(?!で(?:は)?なく)",
)
NO_AZURE = rx(
    W0 + r"(?:no|zero|0) azure" + W1 + r"(?!\s*(?:ad|active directory|tenants?)" + W1 + ")",
    W0 + r"nothing (?:on|in|for) azure" + W1,
    W0 + r"(?:don't|do not|doesn't|does not|won't|will not|aren't|are not|not|never"
    r"|no plans? to|not planning to|have no plans to)\s+(?:currently\s+|really\s+|yet\s+"
    r"|even\s+|actually\s+)?(?:use|using|need|have|consume|consuming|run|running"
    r"|spend(?:ing)? (?:anything |money )?on|plan(?:ning)? to use|going to use|be using|on)\s+"
    r"(?:any\s+)?azure" + W1 + r"(?!\s*(?:ad|active directory)" + W1 + ")",
    W0 + r"azure\s*(?::|=|-|\?+)\s*(?:none|no|nope|nah|n/a|nil|zero|nothing"
    r"|not (?:yet|at all|currently|really))" + W1 + r"(?!\s*(?:idea|clue|sure|one knows))",
    # "azure? we don't really use it": the question names Azure, the answer says "it"
    W0 + r"azure\s*[?:,.-]+\s*(?:(?:we|i|nah|no|honestly|hmm|um|well)\W+){0,3}(?:don't|do not"
    r"|aren't|are not|not|never)\s+(?:really\s+|currently\s+|yet\s+|even\s+|actually\s+)?"
    r"(?:use|using|need|have|touch)\s+(?:it|that|any|them)" + W1,
    W0 + r"(?:seats?|licen[cs]es|microsoft 365|m365|office 365|o365|saas)[- ]only" + W1,
    W0 + r"only (?:need |want |use |buy |using |needing )?(?:the )?(?:seats?|licen[cs]es"
    r"|microsoft 365|m365|office 365|o365)" + W1,
    W0 + r"no cloud (?:spend|consumption|usage)" + W1,
    r"(?:azure|アジュール|クラウド)(?:の)?(?:利用|使用|消費)?(?:は|も|を)?[?？、,\s]*"
    r"(?:特に|今は|現在は|まだ|全く|まったく|一切|今後も|今後は|今後)?(?:使っていない|使ってない"
    r"|使ってません|使っていません|使いません|使わない|利用していない|利用してない|利用していません|利用しません"
    r"|利用しない|(?:使う|利用する|導入する)?予定(?:は|も|が)?(?:ない|ありません|なし)"
    r"|未使用|未導入|使用していない|使用してない|使用していません|導入していない|導入してない"
    r"|導入していません|不要|要らない|いらない|必要ない|必要ありません|なし|無し|ゼロ|ない|ありません)",
    r"(?:ライセンス|シート|microsoft 365|m365|office 365)(?:の)?(?:み|だけ)(?!で(?:は)?なく)",
    # 「Azureはまだ」「Azure？まだです」: not yet used
    r"(?:azure|アジュール)(?:は|も)?[?？、,\s]*まだ(?:です|だよ|かな|ですね)?\s*[。.!！]?\s*$",
)
UNSURE = rx(
    W0 + r"(?:not sure|unsure|don't know|do not know|no idea|dunno|no clue|not certain|lost"
    r"|confused|clueless|don't get it|don't understand|do not understand"
    r"|no (?:particular |real |strong )?preference)" + W1,
    r"わから|分から|未定|不明|検討中|まだ決まって",
)
YES = rx(
    r"^\s*(?:(?:yes|yeah|yep|yup|yea|sure|correct|indeed|absolutely|definitely|of course"
    r"|affirmative|that's right|that is right|we do|we will|i do|i will)"
    + W1
    + r"|はい|ええ|うん|そうです|その通り|そのとおり|もちろん|あります|必要です)"
)
NO = rx(
    r"^\s*(?:(?:no|nope|nah|not really|not at all|not yet|none|nothing|negative|never"
    r"|no thanks|no need|we don't|we do not|i don't|we won't|we will not|not needed"
    r"|not required|n/a|nil|zero)"
    + W1
    + r"|いいえ|いえ|ないです|ない|無い|なし|無し|ありません|ございません|特に(?:ない|なし|無し"
    r"|ありません|ございません)|不要|いらない|要らない|必要(?:ない|ありません|なし)|使っていない"
    r"|使ってない|使っていません|使ってません|使いません|使わない|使ってないです|利用していない|利用していません"
    r"|利用しない)"
)
# what a reply may open with before its answer: "ok then no", 「じゃあ使ってないです」
FILLER = rx(
    r"^(?:\s*(?:ok(?:ay)?|oh|ah|well|hmm+|um+|uh+|then|so|right|haha|lol|yeah ok|alright"
    r"|じゃあ|では|それなら|なら|うーん|えっと|えーと|あー|あ|まあ|そうですね|そうですか|なるほど"
    r"|笑|ｗ+|w+)"
    r"(?![a-z])[\s,、。.!！…]*)+"
)
