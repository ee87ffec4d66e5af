"""Typed errors of the console (accounts, sessions, permissions). Each carries the HTTP
status the console answers with and a plain Russian message and remedy."""

from __future__ import annotations

from vpr_common.errors import VprError


class WebError(VprError):
    code = "console"
    http_status = 400
    message_ru = "Действие не выполнено."
    remedy_ru = "Проверьте введённые данные и повторите."


class ConsoleDataError(WebError):
    code = "console_data"
    http_status = 500
    message_ru = "Не удалось открыть данные консоли координатора."
    remedy_ru = "Проверьте папку данных узла (--data), права доступа и свободное место."


class LoginFailedError(WebError):
    """Wrong login or password (never says which, so logins cannot be probed)."""

    code = "login_failed"
    http_status = 401
    message_ru = "Неверный логин или пароль."
    remedy_ru = "Проверьте раскладку клавиатуры и Caps Lock. Забыли пароль - обратитесь к координатору."


class TooManyAttemptsError(WebError):
    code = "too_many_attempts"
    http_status = 429
    message_ru = "Слишком много неудачных попыток входа с этого компьютера."

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = max(1, int(retry_after_s))
        minutes = (self.retry_after_s + 59) // 60
        super().__init__(f"login throttled for {self.retry_after_s} s",
                         remedy_ru=f"Подождите {minutes} мин и попробуйте снова. Вход с других компьютеров "
                                   "не ограничен.")


class LoginRequiredError(WebError):
    code = "login_required"
    http_status = 401
    message_ru = "Нужно войти в консоль."
    remedy_ru = "Войдите со своим логином и паролем."


class ForbiddenError(WebError):
    code = "forbidden"
    http_status = 403
    message_ru = "Эта страница недоступна для вашей роли."
    remedy_ru = "Войдите под учётной записью с нужными правами или обратитесь к координатору."


class CsrfError(WebError):
    code = "csrf"
    http_status = 403
    message_ru = "Запрос отклонён: страница устарела или отправлена не из консоли."
    remedy_ru = "Обновите страницу (F5) и повторите действие."


class AccountError(WebError):
    """A bad login name, an existing login, a weak password, an unknown account."""

    code = "account"
    http_status = 400
    message_ru = "Учётная запись не изменена."
