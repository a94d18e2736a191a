"""Chinese messages for pydantic validation errors (of requests, and of the domain's own checks).

The machine-readable parts of a problem (``loc``, ``type``) stay as pydantic gives them; only the ``message``
a person reads is put into Chinese, from the error's type and its context (limits, allowed values).
"""

import re
from typing import Any

_CJK = re.compile(r"[\u4e00-\u9fff]")

DATE = "须为日期（YYYY-MM-DD）"
DATETIME = "须为日期时间（如 2026-01-31T09:00:00+08:00）"
TIME = "须为时间（如 09:30）"
NUMBER = "须为数字"
INTEGER = "须为整数"
OBJECT = "须为对象（JSON 对象）"

TEMPLATES: dict[str, str] = {
    "missing": "必填项缺失",
    "missing_argument": "必填项缺失",
    "missing_keyword_only_argument": "必填项缺失",
    "missing_positional_only_argument": "必填项缺失",
    "extra_forbidden": "不允许的字段",
    "unexpected_keyword_argument": "不允许的字段",
    "unexpected_positional_argument": "不允许的字段",
    "none_required": "须为空",
    "string_type": "须为文本",
    "string_unicode": "须为有效的文本（Unicode）",
    "string_not_ascii": "只能含英文字母、数字和半角符号",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": INTEGER,
    "int_parsing": INTEGER,
    "int_from_float": "须为整数（不能有小数）",
    "int_parsing_size": "整数超出允许范围",
    "float_type": NUMBER,
    "float_parsing": NUMBER,
    "finite_number": "须为有限的数字",
    "decimal_type": NUMBER,
    "decimal_parsing": NUMBER,
    "decimal_max_digits": "数字位数过多（最多 {max_digits} 位）",
    "decimal_max_places": "小数位数过多（最多 {decimal_places} 位）",
    "decimal_whole_digits": "整数部分位数过多（最多 {whole_digits} 位）",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须不小于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须不大于 {le}",
    "multiple_of": "须为 {multiple_of} 的倍数",
    "bool_type": "须为是或否（true / false）",
    "bool_parsing": "须为是或否（true / false）",
    "enum": "取值须为以下之一：{expected}",
    "literal_error": "取值须为以下之一：{expected}",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "list_type": "须为列表",
    "tuple_type": "须为列表",
    "set_type": "须为列表（不重复）",
    "frozen_set_type": "须为列表（不重复）",
    "set_item_not_hashable": "列表中有不能比较的值",
    "iterable_type": "须为列表",
    "dict_type": OBJECT,
    "mapping_type": OBJECT,
    "model_type": OBJECT,
    "model_attributes_type": OBJECT,
    "dataclass_type": OBJECT,
    "json_invalid": "JSON 格式错误",
    "json_type": "须为 JSON 文本",
    "date_type": DATE,
    "date_parsing": DATE,
    "date_from_datetime_parsing": DATE,
    "date_from_datetime_inexact": "须为日期，不能带时刻",
    "date_past": "须为过去的日期",
    "date_future": "须为将来的日期",
    "datetime_type": DATETIME,
    "datetime_parsing": DATETIME,
    "datetime_object_invalid": DATETIME,
    "datetime_from_date_parsing": DATETIME,
    "datetime_past": "须为过去的时间",
    "datetime_future": "须为将来的时间",
    "timezone_naive": "不能带时区",
    "timezone_aware": "须带时区（如 +08:00）",
    "timezone_offset": "时区不正确",
    "time_type": TIME,
    "time_parsing": TIME,
    "time_delta_type": "须为时长",
    "time_delta_parsing": "须为时长",
    "uuid_type": "须为 UUID",
    "uuid_parsing": "须为 UUID（如 123e4567-e89b-42d3-a456-426614174000）",
    "uuid_version": "UUID 版本不正确",
    "url_type": "须为网址",
    "url_parsing": "网址格式不正确",
    "url_syntax_violation": "网址格式不正确",
    "url_too_long": "网址过长（最多 {max_length} 个字符）",
    "url_scheme": "网址须以 {expected_schemes} 开头",
    "bytes_type": "须为文件内容",
    "bytes_too_short": "内容过短（至少 {min_length} 字节）",
    "bytes_too_long": "内容过长（最多 {max_length} 字节）",
    "bytes_invalid_encoding": "内容编码不正确",
    "union_tag_invalid": "类型标记不正确",
    "union_tag_not_found": "缺少类型标记",
    "recursion_loop": "数据嵌套过深",
    "recursion_depth_exceeded": "数据嵌套过深",
}

FALLBACK = "取值不合法"


def _expected(text: str) -> str:
    """pydantic's "'pipeline', 'lpg' or 'none'" -> "pipeline、lpg、none"."""
    parts = re.split(r",\s*|\s+or\s+", text)
    return "、".join(p.strip().strip("'\"") for p in parts if p.strip())


def _chinese_part(text: str) -> str | None:
    """The Chinese half of a bilingual "中文 / English" message, or None when there is none."""
    first = text.removeprefix("Value error, ").removeprefix("Assertion failed, ").split(" / ")[0].strip()
    return first if _CJK.search(first) else None


def message_for(error: dict[str, Any]) -> str:
    """One pydantic error (an item of ``exc.errors()``) as a Chinese sentence."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind in ("value_error", "assertion_error"):
        return _chinese_part(str(ctx.get("error", ""))) or _chinese_part(str(error.get("msg", ""))) or FALLBACK
    template = TEMPLATES.get(kind)
    if template is None:
        return _chinese_part(str(error.get("msg", ""))) or FALLBACK
    for key in ("expected", "expected_schemes"):
        if key in ctx:
            ctx[key] = _expected(str(ctx[key]))
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("：（ ") or FALLBACK


HTTP_MESSAGES = {
    400: "请求不正确 / bad request",
    401: "需要登录 / not authenticated",
    403: "无权操作 / forbidden",
    404: "未找到 / not found",
    405: "不支持该请求方法 / method not allowed",
    406: "不支持的响应格式 / not acceptable",
    409: "数据冲突 / conflict",
    413: "请求体过大 / request too large",
    415: "不支持的文件类型 / unsupported media type",
    422: "请求数据不合法 / invalid request",
    429: "请求过于频繁，请稍后重试 / too many requests",
}


def http_message(status: int, detail: Any) -> str:
    """The message of an HTTP error: our own (already Chinese) detail, else the Chinese for its status."""
    if isinstance(detail, str) and _CJK.search(detail):
        return detail
    return HTTP_MESSAGES.get(status, f"请求失败（{status}） / request failed")
