"""The transliteration helper: Han → pinyin (Latin) and Han → Palladius (Cyrillic) on known names, the syllable
table as a whole, and the JSON endpoint the student form calls."""

import re

import pytest
from pypinyin import Style, pinyin

from mobility.demo.data import FAMILY_NAMES, GIVEN_NAMES
from mobility.foundation.access import OFFICE
from mobility.tests.support import make_user
from students.transliteration import (
    COMPOUND_SURNAMES,
    PALLADIUS,
    NoReading,
    cyrillic_name,
    latin_name,
    palladius,
    pinyin_of,
    split_han_name,
    suggest_names,
)

# Full Han name, Latin family and given name, Cyrillic family and given name. The Cyrillic forms are the
# systematic Palladius ones; where Russian usage keeps an older form it is noted.
KNOWN_NAMES = [
    ("张伟", "Zhang", "Wei", "Чжан", "Вэй"),
    ("王芳", "Wang", "Fang", "Ван", "Фан"),
    ("李娜", "Li", "Na", "Ли", "На"),
    ("刘洋", "Liu", "Yang", "Лю", "Ян"),
    ("陈静", "Chen", "Jing", "Чэнь", "Цзин"),
    ("杨秀英", "Yang", "Xiuying", "Ян", "Сюин"),
    ("欧阳晓东", "Ouyang", "Xiaodong", "Оуян", "Сяодун"),
    ("吕梅", "Lyu", "Mei", "Люй", "Мэй"),
    ("吕布", "Lyu", "Bu", "Люй", "Бу"),
    ("习近平", "Xi", "Jinping", "Си", "Цзиньпин"),
    ("毛泽东", "Mao", "Zedong", "Мао", "Цзэдун"),
    ("邓小平", "Deng", "Xiaoping", "Дэн", "Сяопин"),
    ("孙中山", "Sun", "Zhongshan", "Сунь", "Чжуншань"),
    ("周恩来", "Zhou", "Enlai", "Чжоу", "Эньлай"),
    ("胡锦涛", "Hu", "Jintao", "Ху", "Цзиньтао"),
    ("李克强", "Li", "Keqiang", "Ли", "Кэцян"),
    ("温家宝", "Wen", "Jiabao", "Вэнь", "Цзябао"),
    ("江泽民", "Jiang", "Zemin", "Цзян", "Цзэминь"),
    ("朱镕基", "Zhu", "Rongji", "Чжу", "Жунцзи"),
    ("曾国藩", "Zeng", "Guofan", "Цзэн", "Гофань"),
    ("单田芳", "Shan", "Tianfang", "Шань", "Тяньфан"),
    ("诸葛亮", "Zhuge", "Liang", "Чжугэ", "Лян"),
    ("司马迁", "Sima", "Qian", "Сыма", "Цянь"),
    # Russian keeps the traditional "Лу Синь"; the system gives xun → сюнь.
    ("鲁迅", "Lu", "Xun", "Лу", "Сюнь"),
    ("姚明", "Yao", "Ming", "Яо", "Мин"),
    ("刘翔", "Liu", "Xiang", "Лю", "Сян"),
    ("郎朗", "Lang", "Lang", "Лан", "Лан"),
    ("章子怡", "Zhang", "Ziyi", "Чжан", "Цзыи"),
    ("巩俐", "Gong", "Li", "Гун", "Ли"),
    ("王菲", "Wang", "Fei", "Ван", "Фэй"),
    ("马云", "Ma", "Yun", "Ма", "Юнь"),
    ("张嘉恩", "Zhang", "Jia'en", "Чжан", "Цзяэнь"),
    ("李白", "Li", "Bai", "Ли", "Бай"),
    ("杜甫", "Du", "Fu", "Ду", "Фу"),
    ("成龙", "Cheng", "Long", "Чэн", "Лун"),
    ("张艺谋", "Zhang", "Yimou", "Чжан", "Имоу"),
    ("莫言", "Mo", "Yan", "Мо", "Янь"),
    ("巴金", "Ba", "Jin", "Ба", "Цзинь"),
    ("老舍", "Lao", "She", "Лао", "Шэ"),
    ("王安石", "Wang", "Anshi", "Ван", "Аньши"),
    ("周杰伦", "Zhou", "Jielun", "Чжоу", "Цзелунь"),
    ("刘慈欣", "Liu", "Cixin", "Лю", "Цысинь"),
    ("林徽因", "Lin", "Huiyin", "Линь", "Хуэйинь"),
    ("邓丽君", "Deng", "Lijun", "Дэн", "Лицзюнь"),
    ("宋庆龄", "Song", "Qingling", "Сун", "Цинлин"),
    ("梁启超", "Liang", "Qichao", "Лян", "Цичао"),
    ("蔡元培", "Cai", "Yuanpei", "Цай", "Юаньпэй"),
    ("徐志摩", "Xu", "Zhimo", "Сюй", "Чжимо"),
    ("钱学森", "Qian", "Xuesen", "Цянь", "Сюэсэнь"),
    ("屠呦呦", "Tu", "Youyou", "Ту", "Юю"),
    ("袁隆平", "Yuan", "Longping", "Юань", "Лунпин"),
    ("杨振宁", "Yang", "Zhenning", "Ян", "Чжэньнин"),
    ("丁俊晖", "Ding", "Junhui", "Дин", "Цзюньхуэй"),
    ("聂卫平", "Nie", "Weiping", "Не", "Вэйпин"),
    ("贾樟柯", "Jia", "Zhangke", "Цзя", "Чжанкэ"),
    ("刘德华", "Liu", "Dehua", "Лю", "Дэхуа"),
    ("范冰冰", "Fan", "Bingbing", "Фань", "Бинбин"),
    ("谭盾", "Tan", "Dun", "Тань", "Дунь"),
    ("郭沫若", "Guo", "Moruo", "Го", "Можо"),
    ("冯小刚", "Feng", "Xiaogang", "Фэн", "Сяоган"),
    ("陈凯歌", "Chen", "Kaige", "Чэнь", "Кайгэ"),
    ("华罗庚", "Hua", "Luogeng", "Хуа", "Логэн"),
    ("仇英", "Qiu", "Ying", "Цю", "Ин"),
    ("解缙", "Xie", "Jin", "Се", "Цзинь"),
    ("冼星海", "Xian", "Xinghai", "Сянь", "Синхай"),
    ("翟志刚", "Zhai", "Zhigang", "Чжай", "Чжиган"),
    ("朴树", "Piao", "Shu", "Пяо", "Шу"),
    ("查良镛", "Zha", "Liangyong", "Чжа", "Лянъюн"),
    ("上官婉儿", "Shangguan", "Wan'er", "Шангуань", "Ваньэр"),
    ("令狐冲", "Linghu", "Chong", "Линху", "Чун"),
    ("慕容复", "Murong", "Fu", "Мужун", "Фу"),
    ("长孙无忌", "Zhangsun", "Wuji", "Чжансунь", "Уцзи"),
    ("尉迟恭", "Yuchi", "Gong", "Юйчи", "Гун"),
    ("司徒雷登", "Situ", "Leideng", "Сыту", "Лэйдэн"),
    ("东方朔", "Dongfang", "Shuo", "Дунфан", "Шо"),
    ("皇甫谧", "Huangfu", "Mi", "Хуанфу", "Ми"),
    ("公孙胜", "Gongsun", "Sheng", "Гунсунь", "Шэн"),
    # The separators: apostrophe before a/o/e; ъ after -ng (н) before a vowel, nothing after -n (нь) or a vowel.
    ("李长安", "Li", "Chang'an", "Ли", "Чанъань"),
    ("张延安", "Zhang", "Yan'an", "Чжан", "Яньань"),
    ("王西安", "Wang", "Xi'an", "Ван", "Сиань"),
]


@pytest.mark.parametrize(("full", "family_latin", "given_latin", "family_cyrillic", "given_cyrillic"), KNOWN_NAMES)
def test_known_names(full, family_latin, given_latin, family_cyrillic, given_cyrillic):
    family, given = split_han_name(full)
    assert family + given == full
    assert latin_name(family, given) == (family_latin, given_latin)
    assert cyrillic_name(family, given) == (family_cyrillic, given_cyrillic)


def test_at_least_forty_known_names():
    assert len({full for full, *_ in KNOWN_NAMES}) == len(KNOWN_NAMES) >= 40


@pytest.mark.parametrize(("han", "latin", "cyrillic"), [row[:3] for row in FAMILY_NAMES])
def test_the_demo_family_names(han, latin, cyrillic):
    assert latin_name(han, "") == (latin, "")
    assert cyrillic_name(han, "") == (cyrillic, "")


@pytest.mark.parametrize(("han", "latin", "cyrillic"), [row[:3] for row in GIVEN_NAMES])
def test_the_demo_given_names(han, latin, cyrillic):
    assert latin_name("", han) == ("", latin)
    assert cyrillic_name("", han) == ("", cyrillic)


@pytest.mark.parametrize(
    ("han", "latin", "cyrillic"),
    [
        ("单", "Shan", "Шань"),
        ("曾", "Zeng", "Цзэн"),
        ("解", "Xie", "Се"),
        ("仇", "Qiu", "Цю"),
        ("区", "Ou", "Оу"),
        ("朴", "Piao", "Пяо"),
        ("查", "Zha", "Чжа"),
        ("覃", "Qin", "Цинь"),
        ("盖", "Ge", "Гэ"),
        ("乐", "Yue", "Юэ"),
        ("华", "Hua", "Хуа"),
        ("缪", "Miao", "Мяо"),
        ("尉迟", "Yuchi", "Юйчи"),
        ("长孙", "Zhangsun", "Чжансунь"),
        ("欧阳", "Ouyang", "Оуян"),
        ("司马", "Sima", "Сыма"),
        ("诸葛", "Zhuge", "Чжугэ"),
        ("上官", "Shangguan", "Шангуань"),
        ("司徒", "Situ", "Сыту"),
        ("东方", "Dongfang", "Дунфан"),
        ("皇甫", "Huangfu", "Хуанфу"),
        ("公孙", "Gongsun", "Гунсунь"),
        ("慕容", "Murong", "Мужун"),
        ("令狐", "Linghu", "Линху"),
        ("女", "Nyu", "Нюй"),
    ],
)
def test_surnames_are_read_as_surnames(han, latin, cyrillic):
    assert latin_name(han, "")[0] == latin
    assert cyrillic_name(han, "")[0] == cyrillic


def test_a_heteronym_reads_as_a_word_outside_the_surname():
    # 曾 is "zeng" as a surname, "ceng" (once) in a given name; 单 likewise "shan" / "dan".
    assert latin_name("曾", "曾") == ("Zeng", "Ceng")
    assert latin_name("单", "单") == ("Shan", "Dan")


def test_every_compound_surname_is_read_and_split():
    for surname in COMPOUND_SURNAMES:
        assert split_han_name(surname + "伟") == (surname, "伟")
        assert len(pinyin_of(surname, surname=True).split()) == 2


@pytest.mark.parametrize(
    ("full", "split"),
    [
        ("张伟", ("张", "伟")),
        ("杨秀英", ("杨", "秀英")),
        ("欧阳晓东", ("欧阳", "晓东")),
        ("司马迁", ("司马", "迁")),
        ("欧阳", ("欧", "阳")),  # two characters: a one-character surname and a given name
        (" 张 伟 ", ("张", "伟")),  # a space, when typed, is the boundary
        ("欧 阳晓", ("欧", "阳晓")),
        ("张", ("张", "")),
        ("", ("", "")),
    ],
)
def test_split_han_name(full, split):
    assert split_han_name(full) == split


@pytest.mark.parametrize(
    ("han", "expected"),
    [
        ("吕", "lyu"),
        ("女", "nyu"),
        ("略", "lyue"),
        ("虐", "nyue"),
        ("句", "ju"),
        ("雪", "xue"),
        ("雨", "yu"),
        ("张伟", "zhang wei"),
        ("张 伟·", "zhang wei"),
    ],
)
def test_pinyin_writes_u_umlaut_as_the_passport_does(han, expected):
    assert pinyin_of(han) == expected


def test_pinyin_of_uses_surname_readings_on_request():
    assert pinyin_of("曾") == "ceng"
    assert pinyin_of("曾", surname=True) == "zeng"


@pytest.mark.parametrize(
    ("syllable", "cyrillic"),
    [
        ("zhang", "чжан"), ("wei", "вэй"), ("xiao", "сяо"), ("dong", "дун"), ("qiang", "цян"), ("jun", "цзюнь"),
        ("yu", "юй"), ("yuan", "юань"), ("yue", "юэ"), ("xue", "сюэ"), ("ri", "жи"), ("er", "эр"), ("shi", "ши"),
        ("si", "сы"), ("ci", "цы"), ("zi", "цзы"), ("zhi", "чжи"), ("chi", "чи"), ("e", "э"), ("ye", "е"),
        ("yan", "янь"), ("ming", "мин"), ("min", "минь"), ("ning", "нин"), ("lian", "лянь"), ("jiong", "цзюн"),
        ("qiong", "цюн"), ("xiong", "сюн"), ("lv", "люй"), ("lü", "люй"), ("lyu", "люй"), ("nü", "нюй"),
        ("lve", "люэ"), ("nyue", "нюэ"), ("ju", "цзюй"), ("qu", "цюй"), ("xu", "сюй"), ("quan", "цюань"),
        ("xun", "сюнь"), ("hui", "хуэй"), ("gui", "гуй"), ("kui", "куй"), ("dui", "дуй"), ("rui", "жуй"),
        ("guo", "го"), ("zhuo", "чжо"), ("luo", "ло"), ("wo", "во"), ("bo", "бо"), ("wu", "у"), ("wen", "вэнь"),
        ("weng", "вэн"), ("you", "ю"), ("liu", "лю"), ("jiu", "цзю"), ("jie", "цзе"), ("bie", "бе"),
        ("yi", "и"), ("ya", "я"), ("jia", "цзя"), ("yong", "юн"), ("rong", "жун"), ("ren", "жэнь"),
        ("reng", "жэн"), ("zhen", "чжэнь"), ("zheng", "чжэн"), ("cheng", "чэн"), ("sheng", "шэн"),
        ("zou", "цзоу"), ("cou", "цоу"), ("sou", "соу"), ("ou", "оу"), ("an", "ань"), ("ang", "ан"),
        ("ao", "ао"), ("ai", "ай"), ("huang", "хуан"), ("kuai", "куай"), ("shuang", "шуан"), ("sun", "сунь"),
        ("lun", "лунь"), ("zun", "цзунь"), ("cui", "цуй"), ("me", "мэ"), ("de", "дэ"), ("ge", "гэ"),
        ("zei", "цзэй"), ("shei", "шэй"), ("mou", "моу"), ("fo", "фо"), ("lia", "ля"), ("nian", "нянь"),
        ("niang", "нян"), ("biao", "бяо"), ("miu", "мю"), ("pin", "пинь"), ("ping", "пин"), ("yin", "инь"),
        ("ying", "ин"), ("yun", "юнь"), ("zhua", "чжуа"), ("chuan", "чуань"), ("ruan", "жуань"),
    ],
)  # fmt: skip
def test_palladius_syllables(syllable, cyrillic):
    assert palladius(syllable) == cyrillic


def test_palladius_refuses_what_is_no_syllable():
    for text in ("", "xyz", "zhang wei", "biang", "gi"):
        with pytest.raises(ValueError):
            palladius(text)


def test_the_table_is_the_whole_inventory_in_cyrillic_letters():
    assert 400 <= len(PALLADIUS) <= 440
    for syllable, cyrillic in PALLADIUS.items():
        assert re.fullmatch(r"[a-zvê]+", syllable), syllable
        assert re.fullmatch(r"[а-яё]+", cyrillic), (syllable, cyrillic)
    # Palladius is one-to-one on the inventory except where pinyin itself has two spellings of one sound.
    merged = {}
    for syllable, cyrillic in PALLADIUS.items():
        merged.setdefault(cyrillic, []).append(syllable)
    shared = {tuple(sorted(group)) for group in merged.values() if len(group) > 1}
    assert shared == {("e", "ê"), ("n", "ng"), ("lo", "luo")}


def test_every_syllable_pypinyin_returns_is_in_the_table():
    syllables = set()
    for code in range(0x4E00, 0xA000):
        # Characters pypinyin cannot read come back empty or unchanged; they have no syllable to map.
        for readings in pinyin(chr(code), style=Style.NORMAL, heteronym=True, errors="ignore"):
            syllables.update(reading for reading in readings if reading and reading != chr(code))
    assert len(syllables) > 400
    assert sorted(syllables - PALLADIUS.keys()) == []


def test_suggest_names_keeps_the_han_and_fills_the_rest():
    assert suggest_names(" 欧阳 ", "晓东") == {
        "family_name_han": "欧阳",
        "given_name_han": "晓东",
        "family_name_latin": "Ouyang",
        "given_name_latin": "Xiaodong",
        "family_name_cyrillic": "Оуян",
        "given_name_cyrillic": "Сяодун",
    }
    assert set(suggest_names("", "").values()) == {""}


@pytest.mark.parametrize(
    ("family", "given", "unread"),
    [
        ("𠮷", "田", ["𠮷"]),  # U+20BB7, CJK extension B: pypinyin 0.55 has no reading
        ("吉", "𠮷", ["𠮷"]),
        ("王", "𪛖𠮷", ["𪛖", "𠮷"]),  # U+2A6D6, the last of extension B
        ("Smith", "", ["S", "m", "i", "t", "h"]),
        ("张", "A伟", ["A"]),
    ],
)
def test_a_character_without_a_reading_refuses_the_suggestion_naming_it(family, given, unread):
    # Before: the character was dropped, so 𠮷田 was suggested as the given name "Tian" alone.
    with pytest.raises(NoReading) as refused:
        suggest_names(family, given)
    assert refused.value.characters == unread


def test_every_han_character_pypinyin_knows_in_extension_b_is_read():
    # The refusal is for unknown characters only: extension B characters pypinyin reads are suggested.
    assert suggest_names("王", "𪚥")["given_name_latin"] == "Zhe"
    assert pinyin_of("𫟼") == "da"


def test_spaces_and_middle_dots_separate_syllables():
    assert latin_name("买买提", "艾力·江") == ("Maimaiti", "Ailijiang")


# --- the endpoint of the student form ------------------------------------------------------------------------------

URL = "/students/transliterate/"


@pytest.mark.django_db
def test_the_endpoint_answers_staff_with_json(client):
    client.force_login(make_user("clerk", OFFICE))
    response = client.get(URL, {"family": "张", "given": "嘉恩"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "Чжан".encode() in response.content  # readable, not \u-escaped
    assert response.json() == {
        "family_name_han": "张",
        "given_name_han": "嘉恩",
        "family_name_latin": "Zhang",
        "given_name_latin": "Jia'en",
        "family_name_cyrillic": "Чжан",
        "given_name_cyrillic": "Цзяэнь",
    }


@pytest.mark.django_db
def test_the_endpoint_says_which_character_it_cannot_read(client):
    client.force_login(make_user("clerk", OFFICE))
    response = client.get(URL, {"family": "𠮷", "given": "田"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert body["family_name_han"] == "𠮷"
    assert body["family_name_latin"] == body["given_name_latin"] == body["given_name_cyrillic"] == ""
    assert "“𠮷” (U+20BB7)" in body["message"]


@pytest.mark.django_db
def test_the_endpoint_with_nothing_typed_suggests_nothing(client):
    client.force_login(make_user("clerk", OFFICE))
    assert set(client.get(URL).json().values()) == {""}


@pytest.mark.django_db
def test_the_endpoint_refuses_overlong_input(client):
    client.force_login(make_user("clerk", OFFICE))
    response = client.get(URL, {"family": "张" * 65, "given": "伟"})
    assert response.status_code == 400
    assert "family" in response.json()["errors"]


@pytest.mark.django_db
def test_the_endpoint_is_for_staff_only(client):
    response = client.get(URL, {"family": "张"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(make_user("visitor"))
    assert client.get(URL, {"family": "张"}).status_code == 403


@pytest.mark.django_db
def test_the_student_form_loads_the_suggestion_script(client):
    client.force_login(make_user("clerk", OFFICE))
    page = client.get("/students/new/").content.decode()
    assert 'data-transliterate-url="/students/transliterate/"' in page
    assert "js/transliteration.js" in page
    assert "data-transliterate-button" in page
