"""Language names by ISO 639-1 code (639-3 where there is none), for reasons and for exports."""

LANGUAGE_NAMES = {
    "en": "English", "cy": "Welsh", "ga": "Irish", "gd": "Scottish Gaelic", "pl": "Polish", "ur": "Urdu",
    "pa": "Punjabi", "bn": "Bengali", "gu": "Gujarati", "hi": "Hindi", "ta": "Tamil", "ne": "Nepali",
    "ar": "Arabic", "fa": "Farsi", "ps": "Pashto", "ku": "Kurdish", "tr": "Turkish", "so": "Somali",
    "ti": "Tigrinya", "am": "Amharic", "ro": "Romanian", "bg": "Bulgarian", "uk": "Ukrainian", "ru": "Russian",
    "lt": "Lithuanian", "lv": "Latvian", "sk": "Slovak", "cs": "Czech", "hu": "Hungarian", "sq": "Albanian",
    "el": "Greek", "pt": "Portuguese", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
    "zh": "Chinese", "yue": "Cantonese", "vi": "Vietnamese", "bfi": "British Sign Language",
}
