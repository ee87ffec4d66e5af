"""The texts of the demo variants (English, German, French) and the Russian texts they
share: instructions, the written tasks' instructions and the oral tasks' criteria.
Written for this project (the published demo versions are not copied); the figures -
points, levels, timings, the scale - are not here but in
``exam_content/demo_src/structure.json``. Used by ``make_demo_content.py``.

Every objectively scored item carries its answer here (an option index, or for a typed
item the accepted spellings); the builder moves them into the answer key."""

from __future__ import annotations

# ---- Russian texts shared by the three languages ---------------------------------------

INTRO = (
    "Вы выполняете проверочную работу по иностранному языку ({subject_ru}). В ней шесть заданий:\n"
    "1 - аудирование, 2 - чтение текста вслух, 3 - описание фотографии (ответы 2 и 3 записываются), "
    "4 - чтение, 5 - грамматика, 6 - лексика.\n"
    "В заданиях 1-3 время каждого этапа показано на экране, следующий этап начинается сам, вернуться "
    "назад нельзя. Задания 4-6 выполняются в одном разделе с общим таймером: в нём можно переходить "
    "между вопросами в любом порядке и исправлять ответы.\n"
    "Все ответы сохраняются сразу. Говорите чётко, в обычном темпе, не снимайте наушники до конца работы."
)
LISTEN_INSTRUCTION_RU = (
    "Вы услышите диалог два раза. Сначала прочитайте предложения, затем слушайте и для каждого "
    "предложения выберите вариант, который соответствует содержанию диалога."
)
READ_INSTRUCTION = (
    "Прочитайте текст вслух. Сначала у вас есть полторы минуты, чтобы прочитать его про себя и подготовиться. "
    "После сигнала начнётся запись: на чтение вслух - не больше полутора минут."
)
PHOTO_INSTRUCTION = (
    "Выберите одну из трёх фотографий и опишите её. На подготовку - полторы минуты, после сигнала начнётся "
    "запись: на ответ - не больше двух минут. Должен получиться связный рассказ из 7-8 предложений; "
    "план ответа поможет вам."
)
WRITTEN_TITLE = "Задания 4-6: чтение, грамматика, лексика"
WRITTEN_INSTRUCTION = (
    "Сейчас начнётся письменная часть: задания 4 (чтение), 5 (грамматика) и 6 (лексика).\n"
    "На все три задания - одно общее время, таймер вверху экрана. Предупреждение появится за 5 минут "
    "и за 1 минуту до конца.\n"
    "Переходить между вопросами можно в любом порядке: кнопки с номерами вверху, «Назад» и «Далее» "
    "или клавиши Tab и Shift+Tab. Вопросы, на которые вы уже ответили, отмечены зелёным.\n"
    "В заданиях 5 и 6 ответ нужно напечатать латинскими буквами - переключите раскладку клавиатуры "
    "(обычно Alt+Shift или Win+Пробел).{letters}\n"
    "Каждый ответ сохраняется сразу. Когда закончите, нажмите «Завершить раздел»."
)
LETTERS_HINT = " Особые буквы языка ({letters}) можно вставить кнопками под полем ответа."
READING_INSTRUCTION = (
    "Прочитайте тексты A-F и установите соответствие между текстами и заголовками 1-7. "
    "Каждый заголовок используйте только один раз. Один заголовок лишний."
)
GRAMMAR_INSTRUCTION = (
    "Прочитайте текст. Преобразуйте слова, напечатанные заглавными буквами в скобках, так, чтобы они "
    "грамматически соответствовали содержанию текста. Напечатайте только пропущенное слово (слова)."
)
VOCABULARY_INSTRUCTION = (
    "Прочитайте текст. Образуйте от слов, напечатанных заглавными буквами в скобках, однокоренные слова так, "
    "чтобы они грамматически и лексически соответствовали содержанию текста. Напечатайте только образованное слово."
)

# The oral tasks' criteria as data: modelled on the published ОГЭ criteria for reading
# aloud and the monologue on a picture, paraphrased and fitted to the ВПР maxima
# (2 and 5 points); see docs/content-format.md for what is and is not confirmed.
READ_RUBRIC = {
    "criteria": [{
        "id": "К1", "title": "Фонетическая сторона речи", "max_points": 2,
        "descriptors": [
            {"points": 2, "text": "Текст прочитан полностью, в темпе естественной речи, без необоснованных пауз; "
                                  "ударение и интонация соблюдены; не более четырёх фонетических ошибок, из них "
                                  "не более двух искажают смысл."},
            {"points": 1, "text": "Речь воспринимается с трудом из-за пауз или неверной интонации; пять-семь "
                                  "фонетических ошибок, или три ошибки, искажающие смысл."},
            {"points": 0, "text": "Более семи фонетических ошибок, или более трёх ошибок, искажающих смысл, "
                                  "или прочитано меньше половины текста."},
        ],
    }],
    "zero_if": [],
}
PHOTO_RUBRIC = {
    "criteria": [
        {"id": "К1", "title": "Решение коммуникативной задачи", "max_points": 3, "descriptors": [
            {"points": 3, "text": "Раскрыты все пункты плана; 7-8 фраз."},
            {"points": 2, "text": "Один пункт плана не раскрыт или раскрыт неполно, или 5-6 фраз."},
            {"points": 1, "text": "Два пункта плана не раскрыты, или 3-4 фразы."},
            {"points": 0, "text": "Три пункта плана и более не раскрыты, или меньше трёх фраз."},
        ]},
        {"id": "К2", "title": "Организация высказывания", "max_points": 1, "descriptors": [
            {"points": 1, "text": "Высказывание логично, есть вступление и заключение, использованы средства "
                                  "логической связи."},
            {"points": 0, "text": "Высказывание нелогично, или нет вступления или заключения, или средства "
                                  "связи не использованы."},
        ]},
        {"id": "К3", "title": "Языковое оформление высказывания", "max_points": 1, "descriptors": [
            {"points": 1, "text": "Лексика и грамматика соответствуют задаче; не более трёх негрубых ошибок, "
                                  "не мешающих пониманию."},
            {"points": 0, "text": "Многочисленные ошибки, затрудняющие понимание."},
        ]},
    ],
    "zero_if": ["К1"],
}
READ_CRITERIA = "Оценивается по критерию К1 (фонетическая сторона речи), 0-2 балла."
PHOTO_CRITERIA = ("Оценивается по критериям К1 (0-3), К2 (0-1), К3 (0-1); если по К1 поставлено 0 баллов, "
                  "всё задание оценивается в 0 баллов.")
ITEM_CRITERIA = "По 1 баллу за каждый верный ответ."

# ---- per language --------------------------------------------------------------------------
# listening: lines of a dialogue (speaker 0 / 1) and five sentences with three options each
# reading: six texts A-F and seven headings (one extra); answer = index of the heading
# grammar / vocabulary: the text with numbered gaps, and per gap the sentence (___ for the
# gap), the given word and the accepted answers

LANGS = {
    "en": {
        "subject": "english", "subject_ru": "английский язык", "voices": ("en-gb", "en-us+f3"),
        "title": "ВПР. Английский язык. 8 класс. Демонстрационный вариант",
        "dialogue": [
            "Hi Tom! Are we still going to the science museum on Saturday?",
            "Yes, of course. Let's meet at eleven o'clock near the school gate.",
            "Eleven is fine. Shall we take the bus?",
            "The bus is always full on Saturdays. Let's ride our bikes, it's only twenty minutes.",
            "Good idea. Oh, I must buy a birthday present for my sister first.",
            "No problem, there is a gift shop in the museum.",
            "What about the weather? I don't want to get wet.",
            "The forecast says it will be sunny all day.",
            "Great. And after the museum let's have a pizza in the cafe on the corner.",
            "Sounds perfect. See you on Saturday!",
        ],
        "rehearsal_text": "This is a short rehearsal recording. Listen and choose the answers.",
        "questions": [
            ("Kate and Tom will meet at ___.", ["ten o'clock", "eleven o'clock", "twelve o'clock"], 1),
            ("They will get to the museum ___.", ["on foot", "by bus", "by bike"], 2),
            ("Kate has to buy a present for her ___.", ["sister", "mother", "friend"], 0),
            ("On Saturday the weather will be ___.", ["rainy", "windy", "sunny"], 2),
            ("After the museum they will ___.", ["go to the park", "have a pizza", "play football"], 1),
        ],
        "read_text": (
            "Honey bees are small insects, but they do a very big job. When a bee flies from flower to flower "
            "to collect nectar, it carries pollen with it. This helps plants to grow fruit and seeds. "
            "Scientists say that about one third of the food we eat depends on bees and other pollinators. "
            "Apples, cherries, cucumbers and even chocolate would be difficult to grow without them. "
            "Unfortunately, the number of bees is getting smaller in many countries. People can help them in "
            "simple ways: they can plant flowers on their balconies, stop using dangerous chemicals in their "
            "gardens and buy honey from local farmers."
        ),
        "plan": ["the place", "the action", "the appearance of the person (people)", "whether you like the picture or not", "why"],
        "headings": ["A hobby that helps animals", "Learning without a classroom", "A town without cars",
                     "Music for everyone", "An unusual school lunch", "Saving water at home", "Sport in bad weather"],
        "texts": [
            ("In the small Swiss town of Zermatt you will not hear the noise of engines. Private cars are not "
             "allowed there. People walk, ride bicycles or use small electric taxis. Visitors leave their cars "
             "in a village nearby and come by train. The air in the town is very clean.", 2),
            ("Every Saturday Anna and her friends go to the animal shelter in their town. They take the dogs for "
             "long walks, clean the cages and play with the kittens. Thanks to the photos the girls post online, "
             "some of the animals have already found new homes.", 0),
            ("At a school in Japan pupils do not get their lunch from a canteen. They grow vegetables in the "
             "school garden, and once a week they cook a meal together. After lunch they clean the tables and "
             "wash the dishes themselves.", 4),
            ("Tom lives on a farm far away from the nearest town. He does not go to school every day. He has "
             "lessons on the internet with a teacher who lives hundreds of kilometres away. Once a month he "
             "travels to the town to meet his classmates.", 1),
            ("A family in Australia decided to use less water. Now they take short showers instead of baths, "
             "collect rainwater for their garden and never leave the tap running while they brush their teeth. "
             "Their water bill is half as big as before.", 5),
            ("In a park in the city centre there is a piano that anyone can play. Children, students and even "
             "old people stop to play a tune. Sometimes strangers sing together. The city council says the "
             "piano makes people smile.", 3),
        ],
        "grammar": [
            ("Last summer my cousin Mike and I ___ to the seaside.", "GO", ["went"]),
            ("It was the ___ holiday of my life.", "GOOD", ["best"]),
            ("Every evening we watched the ___ play on the beach.", "CHILD", ["children"]),
            ("The water was ___ than in June.", "WARM", ["warmer"]),
            ("My little sister ___ the cold water at first, but she soon changed her mind.", "NOT LIKE",
             ["didn't like", "did not like"]),
            ("Tomorrow we ___ our photos to our grandparents.", "SHOW", ["will show", "are going to show"]),
        ],
        "vocabulary": [
            ("My grandfather was a ___ for forty years.", "SCIENCE", ["scientist"]),
            ("He is a very ___ person: he makes furniture and paints pictures.", "CREATE", ["creative"]),
            ("He is never ___ to anyone.", "POLITE", ["impolite"]),
            ("All our neighbours admire the ___ of his garden.", "BEAUTIFUL", ["beauty"]),
            ("He always listens to my stories ___.", "CAREFUL", ["carefully"]),
            ("He says that ___ is in small things.", "HAPPY", ["happiness"]),
        ],
    },
    "de": {
        "subject": "german", "subject_ru": "немецкий язык", "voices": ("de", "de+f3"), "letters": "ä, ö, ü, ß",
        "title": "ВПР. Немецкий язык. 8 класс. Демонстрационный вариант",
        "dialogue": [
            "Hallo Paul! Gehen wir am Samstag ins Technikmuseum?",
            "Ja, klar. Treffen wir uns um elf Uhr am Schultor.",
            "Elf Uhr ist gut. Nehmen wir den Bus?",
            "Der Bus ist samstags immer voll. Fahren wir lieber mit dem Fahrrad, das sind nur zwanzig Minuten.",
            "Gute Idee. Ach, ich muss zuerst ein Geburtstagsgeschenk für meine Schwester kaufen.",
            "Kein Problem, im Museum gibt es einen Laden.",
            "Und das Wetter? Ich will nicht nass werden.",
            "Der Wetterbericht sagt, es wird den ganzen Tag sonnig.",
            "Super. Und nach dem Museum essen wir eine Pizza im Café an der Ecke.",
            "Perfekt. Bis Samstag!",
        ],
        "rehearsal_text": "Das ist eine kurze Probeaufnahme. Hör zu und wähle die Antworten.",
        "questions": [
            ("Lena und Paul treffen sich um ___.", ["zehn Uhr", "elf Uhr", "zwölf Uhr"], 1),
            ("Sie fahren ___ ins Museum.", ["zu Fuß", "mit dem Bus", "mit dem Fahrrad"], 2),
            ("Lena muss ein Geschenk für ihre ___ kaufen.", ["Schwester", "Mutter", "Freundin"], 0),
            ("Am Samstag wird das Wetter ___.", ["regnerisch", "windig", "sonnig"], 2),
            ("Nach dem Museum wollen sie ___.", ["in den Park gehen", "Pizza essen", "Fußball spielen"], 1),
        ],
        "read_text": (
            "Bienen sind kleine Insekten, aber sie leisten eine sehr große Arbeit. Wenn eine Biene von Blume zu "
            "Blume fliegt, trägt sie Blütenstaub mit sich. So können Pflanzen Früchte und Samen bilden. "
            "Wissenschaftler sagen, dass etwa ein Drittel unserer Nahrung von Bienen und anderen Bestäubern "
            "abhängt. Äpfel, Kirschen und Gurken wären ohne sie schwer zu ernten. Leider gibt es in vielen "
            "Ländern immer weniger Bienen. Jeder kann ihnen helfen: Man kann Blumen auf dem Balkon pflanzen, "
            "im Garten auf gefährliche Chemikalien verzichten und Honig bei Imkern aus der Region kaufen."
        ),
        "plan": ["wo das ist", "was die Person / die Personen machen", "wie die Person / die Personen aussehen", "ob dir das Foto gefällt", "warum"],
        "headings": ["Ein Hobby, das Tieren hilft", "Lernen ohne Klassenzimmer", "Eine Stadt ohne Autos",
                     "Musik für alle", "Ein ungewöhnliches Schulessen", "Wasser sparen zu Hause",
                     "Sport bei schlechtem Wetter"],
        "texts": [
            ("In der kleinen Schweizer Stadt Zermatt hört man keinen Motorenlärm. Private Autos sind dort "
             "verboten. Die Menschen gehen zu Fuß, fahren Fahrrad oder nehmen kleine Elektrotaxis. Touristen "
             "lassen ihr Auto im Nachbardorf und kommen mit dem Zug. Die Luft in der Stadt ist sehr sauber.", 2),
            ("Jeden Samstag gehen Anna und ihre Freundinnen ins Tierheim. Sie gehen mit den Hunden spazieren, "
             "putzen die Käfige und spielen mit den Katzen. Dank ihrer Fotos im Internet haben schon einige "
             "Tiere ein neues Zuhause gefunden.", 0),
            ("An einer Schule in Japan holen die Schüler ihr Mittagessen nicht aus der Kantine. Sie bauen Gemüse "
             "im Schulgarten an und kochen einmal pro Woche zusammen. Nach dem Essen räumen sie die Tische ab "
             "und spülen selbst das Geschirr.", 4),
            ("Tom wohnt auf einem Bauernhof weit weg von der nächsten Stadt. Er geht nicht jeden Tag zur Schule. "
             "Er hat Unterricht im Internet mit einer Lehrerin, die Hunderte Kilometer entfernt wohnt. Einmal im "
             "Monat fährt er in die Stadt und trifft seine Mitschüler.", 1),
            ("Eine Familie in Australien wollte weniger Wasser verbrauchen. Jetzt duschen alle kurz, statt zu "
             "baden, sammeln Regenwasser für den Garten und lassen beim Zähneputzen nie das Wasser laufen. Ihre "
             "Wasserrechnung ist nur noch halb so hoch.", 5),
            ("In einem Park im Stadtzentrum steht ein Klavier, auf dem jeder spielen darf. Kinder, Studenten und "
             "sogar alte Leute bleiben stehen und spielen eine Melodie. Manchmal singen fremde Menschen zusammen. "
             "Die Stadt sagt, das Klavier macht die Leute froh.", 3),
        ],
        "grammar": [
            ("Letzten Sommer ___ mein Cousin Max und ich ans Meer.", "FAHREN", ["fuhren"]),
            ("Das war der ___ Urlaub meines Lebens.", "GUT", ["beste"]),
            ("Jeden Abend sahen wir den ___ beim Spielen zu.", "KIND", ["Kindern"]),
            ("Das Wasser war ___ als im Juni.", "WARM", ["wärmer"]),
            ("Meine kleine Schwester ___ das kalte Wasser zuerst nicht, aber bald änderte sie ihre Meinung.",
             "MÖGEN", ["mochte"]),
            ("Morgen ___ wir unseren Großeltern die Fotos.", "ZEIGEN", ["zeigen"]),
        ],
        "vocabulary": [
            ("Mein Großvater war vierzig Jahre lang ___.", "WISSENSCHAFT", ["Wissenschaftler"]),
            ("Er ist ein sehr ___ Mensch.", "GLÜCK", ["glücklicher"]),
            ("Zu allen Leuten ist er immer ___.", "FREUND", ["freundlich"]),
            ("Nie ist er ___.", "HÖFLICH", ["unhöflich"]),
            ("Alle Nachbarn bewundern die ___ seines Gartens.", "SCHÖN", ["Schönheit"]),
            ("Außerdem ist er ein guter ___: Wir hören seine Geschichten sehr gern.", "ERZÄHLEN", ["Erzähler"]),
        ],
    },
    "fr": {
        "subject": "french", "subject_ru": "французский язык", "voices": ("fr-fr", "fr-fr+f3"),
        "letters": "é, è, ê, à, ç...",
        "title": "ВПР. Французский язык. 8 класс. Демонстрационный вариант",
        "dialogue": [
            "Salut Marc ! On va toujours au musée des sciences samedi ?",
            "Oui, bien sûr. On se retrouve à onze heures devant l'école.",
            "Onze heures, c'est parfait. On prend le bus ?",
            "Le samedi, le bus est toujours plein. Allons-y à vélo, c'est seulement vingt minutes.",
            "Bonne idée. Oh, je dois d'abord acheter un cadeau d'anniversaire pour ma sœur.",
            "Pas de problème, il y a une boutique dans le musée.",
            "Et la météo ? Je ne veux pas être mouillée.",
            "La météo dit qu'il va faire beau toute la journée.",
            "Super. Et après le musée, on mange une pizza au café du coin.",
            "Parfait. À samedi !",
        ],
        "rehearsal_text": "Voici un court enregistrement d'essai. Écoute et choisis les réponses.",
        "questions": [
            ("Julie et Marc se retrouvent à ___.", ["dix heures", "onze heures", "midi"], 1),
            ("Ils vont au musée ___.", ["à pied", "en bus", "à vélo"], 2),
            ("Julie doit acheter un cadeau pour sa ___.", ["sœur", "mère", "copine"], 0),
            ("Samedi, il va faire ___.", ["mauvais", "froid", "beau"], 2),
            ("Après le musée, ils vont ___.", ["aller au parc", "manger une pizza", "jouer au football"], 1),
        ],
        "read_text": (
            "Les abeilles sont de petits insectes, mais elles font un travail immense. Quand une abeille vole de "
            "fleur en fleur, elle transporte du pollen. Cela permet aux plantes de donner des fruits et des graines. "
            "Selon les scientifiques, environ un tiers de notre nourriture dépend des abeilles et des autres "
            "pollinisateurs. Sans elles, il serait difficile de cultiver des pommes, des cerises ou des concombres. "
            "Malheureusement, les abeilles sont de moins en moins nombreuses dans beaucoup de pays. Chacun peut "
            "les aider : on peut planter des fleurs sur son balcon, ne pas utiliser de produits chimiques dangereux "
            "dans le jardin et acheter du miel aux apiculteurs de sa région."
        ),
        "plan": ["du lieu", "de l'action", "de l'apparence de la personne / des personnes", "dis si la photo te plaît ou non", "explique pourquoi"],
        "headings": ["Un loisir qui aide les animaux", "Apprendre sans salle de classe", "Une ville sans voitures",
                     "La musique pour tous", "Un déjeuner scolaire original", "Économiser l'eau à la maison",
                     "Le sport par mauvais temps"],
        "texts": [
            ("Dans la petite ville suisse de Zermatt, on n'entend pas le bruit des moteurs. Les voitures privées "
             "y sont interdites. Les habitants marchent, font du vélo ou prennent de petits taxis électriques. "
             "Les touristes laissent leur voiture dans un village voisin et arrivent en train. L'air de la ville "
             "est très pur.", 2),
            ("Chaque samedi, Anna et ses amies vont au refuge pour animaux de leur ville. Elles promènent les "
             "chiens, nettoient les cages et jouent avec les chatons. Grâce aux photos qu'elles publient sur "
             "Internet, plusieurs animaux ont déjà trouvé une nouvelle famille.", 0),
            ("Dans une école au Japon, les élèves ne prennent pas leur déjeuner à la cantine. Ils cultivent des "
             "légumes dans le jardin de l'école et, une fois par semaine, ils préparent un repas ensemble. Après "
             "le repas, ils nettoient les tables et font la vaisselle eux-mêmes.", 4),
            ("Tom habite dans une ferme loin de la ville la plus proche. Il ne va pas à l'école tous les jours. "
             "Il suit des cours sur Internet avec une professeure qui habite à des centaines de kilomètres. Une "
             "fois par mois, il va en ville pour voir ses camarades.", 1),
            ("Une famille australienne a décidé de consommer moins d'eau. Maintenant, tout le monde prend une "
             "douche courte au lieu d'un bain, on récupère l'eau de pluie pour le jardin et on ne laisse jamais "
             "couler l'eau en se brossant les dents. Leur facture d'eau a diminué de moitié.", 5),
            ("Dans un parc du centre-ville, il y a un piano sur lequel tout le monde peut jouer. Des enfants, des "
             "étudiants et même des personnes âgées s'arrêtent pour jouer un air. Parfois, des inconnus chantent "
             "ensemble. La mairie dit que ce piano rend les gens heureux.", 3),
        ],
        "grammar": [
            ("L'été dernier, mon cousin Marc et moi, nous ___ à la mer.", "ALLER", ["sommes allés"]),
            ("C'étaient les ___ vacances de ma vie.", "BON", ["meilleures"]),
            ("Chaque soir, nous regardions les ___ jouer sur la plage.", "ENFANT", ["enfants"]),
            ("L'eau était plus ___ qu'en juin.", "CHAUD", ["chaude"]),
            ("Ma petite sœur ___ l'eau froide, mais elle a vite changé d'avis.", "NE PAS AIMER",
             ["n'aimait pas"]),
            ("Demain, nous ___ nos photos à nos grands-parents.", "MONTRER", ["montrerons", "allons montrer"]),
        ],
        "vocabulary": [
            ("Mon grand-père a été ___ pendant quarante ans.", "SCIENCE", ["scientifique"]),
            ("C'est un homme très ___ : il construit des meubles et peint des tableaux.", "CRÉER", ["créatif"]),
            ("Il n'est jamais ___ avec personne.", "POLI", ["impoli"]),
            ("Tous les voisins admirent la ___ de son jardin.", "BEAU", ["beauté"]),
            ("Il écoute toujours mes histoires ___.", "ATTENTIF", ["attentivement"]),
            ("C'est aussi un excellent ___ : ses histoires sont passionnantes.", "RACONTER", ["raconteur"]),
        ],
    },
}
