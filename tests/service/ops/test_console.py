"""The web console in a real headless Chromium (chromium-driver + Selenium)
against a real eventlogd: every page loads with no console errors, the live
charts render data after producing, the record browser shows a produced
record, the console works at a phone's width, and with authentication it
asks for a token and honours the ACLs. Screenshots of every page go to
$OPS_ARTIFACTS_DIR/console/ (docs/OPERATIONS.md shows them).
"""
import os
import subprocess
import tempfile
import threading

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from ops_env import Eventlogd, artifacts_dir, binary, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DESKTOP = (1280, 900)
PHONE = (390, 844)  # a phone's CSS viewport
SHOTS = artifacts_dir("console")
JSON_VALUE = '{"amount": 12, "currency": "EUR"}'


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    server = Eventlogd(str(tmp_path_factory.mktemp("console") / "data")).start()
    server.cli("topic", "create", "orders", "--partitions", "2")
    server.cli("topic", "create", "audit", "--partitions", "1")
    server.cli("produce", "orders", "--partition", "0", "--key_separator", "|",
               "--header", "trace=abc-123", input=f"user-7|{JSON_VALUE}\n")
    server.cli("produce", "orders", "--partition", "0", input="plain text\n")
    server.cli("offsets", "commit", "billing", "orders", "0", "1")
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing (scripts/install-deps.sh test installs chromium, "
                        "chromium-driver and python3-selenium)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(*DESKTOP)
    yield driver
    driver.quit()


def open_page(driver, url):
    driver.get(url)
    driver.execute_script("location.reload()")  # a hash change alone would keep the old page's state
    wait_until(lambda: driver.execute_script("return document.readyState") == "complete", "page load")


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def texts(driver, css):
    """The rendered text of every element matching `css`, read in one script
    (the live pages replace their tables while polling)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText)", css)


def text_of(driver, css):
    return "\n".join(texts(driver, css))


def chart_values(driver, index=0):
    """Every data point of the index-th chart on the page (None: no chart yet)."""
    return driver.execute_script(
        "const c = document.querySelectorAll('canvas')[arguments[0]];"
        "const chart = c && window.Chart && Chart.getChart(c);"
        "return chart ? chart.data.datasets.flatMap(d => d.data.filter(v => v !== null)) : null;",
        index)


def shoot(driver, name):
    path = os.path.join(SHOTS, name + ".png")
    assert driver.save_screenshot(path), path
    assert os.path.getsize(path) > 1000


def no_horizontal_overflow(driver):
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")


class Producer:
    """Produces small batches in the background while a chart is watched."""

    def __init__(self, broker, topic):
        self.broker, self.topic = broker, topic
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        lines = "".join(f"value-{i}\n" for i in range(200))
        while not self.stop.is_set():
            self.broker.cli("produce", self.topic, "--quiet", input=lines)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def orders_row(driver):
    rows = [r.split() for r in texts(driver, "main tbody tr")]
    return next((r for r in rows if r and r[0] == "orders"), None)


def test_topic_list_shows_partitions_sizes_and_throughput(broker, browser):
    open_page(browser, broker.http + "/?poll_ms=500#/topics")
    row = wait_until(lambda: orders_row(browser), "the topic table")
    assert row[1:3] == ["2", "2"], row  # partitions, records
    assert "audit" in text_of(browser, "main table")
    with Producer(broker, "orders"):
        # Columns: topic, partitions, records, size (2 words), in records/s, ...
        row = wait_until(lambda: (r := orders_row(browser)) and r[5] not in ("–", "0.0") and r,
                         "a produce rate for orders")
        assert float(row[5].replace(",", "")) > 0, row
        shoot(browser, "topics")
    footer = browser.find_element(By.ID, "build").text
    version = subprocess.run([binary("EVENTLOGD"), "--version"], capture_output=True, text=True).stdout
    assert footer and footer.split()[1] in version and footer.split()[2].strip("()") in version, footer
    assert footer.endswith("· broker 0"), footer
    assert console_errors(browser) == []


def test_topic_page_charts_live_throughput(broker, browser):
    open_page(browser, broker.http + "/?poll_ms=500#/topic/orders")
    wait_until(lambda: "High watermark" in text_of(browser, "main table"), "the partition table")
    with Producer(broker, "orders"):
        wait_until(lambda: len([v for v in (chart_values(browser, 0) or []) if v > 0]) >= 4,
                   "records/s above 0, several times")
        wait_until(lambda: any(v > 0 for v in (chart_values(browser, 1) or [])), "bytes/s above 0")
        shoot(browser, "topic")  # while producing: a live line
    assert "cleanup_policy" in text_of(browser, "dl.config")
    assert console_errors(browser) == []


def test_group_pages_show_members_assignments_and_lag_over_time(broker, browser):
    consumer = subprocess.Popen([binary("EVENTLOG_CLI"), "consume", "audit", "--group", "live",
                                 "--follow", f"--server={broker.address}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        open_page(browser, broker.http + "/?poll_ms=500#/groups")
        groups = wait_until(lambda: "live" in text_of(browser, "main table") and text_of(browser, "main table"),
                            "both groups listed")
        assert "billing" in groups
        shoot(browser, "groups")
        open_page(browser, broker.http + "/?poll_ms=500#/group/live")
        members = wait_until(lambda: "audit" in text_of(browser, "main table") and text_of(browser, "main table"),
                             "the live member and its assignment")
        assert "member-" in members  # the member id, with its topic and partition 0
        shoot(browser, "group-members")
        open_page(browser, broker.http + "/?poll_ms=500#/group/billing")
        wait_until(lambda: len(chart_values(browser) or []) >= 4, "a few lag points")
        assert max(chart_values(browser)) > 0
        lags = text_of(browser, "main table")
        assert "orders" in lags
        shoot(browser, "group")
        assert console_errors(browser) == []
    finally:
        consumer.terminate()
        consumer.wait(15)


def test_record_browser_shows_the_produced_record(broker, browser):
    open_page(browser, broker.http + "/#/records?topic=orders&partition=0&offset=0")
    values = wait_until(lambda: text_of(browser, "pre.record-value"), "the records")
    assert '"amount": 12' in values and '"currency": "EUR"' in values, values  # pretty JSON
    assert "plain text" in values
    table = text_of(browser, "main table")
    assert "user-7" in table and "trace: abc-123" in table, table
    assert "T" in table and "Z" in table  # ISO timestamps
    shoot(browser, "records")
    open_page(browser, broker.http + "/#/records?topic=orders&partition=0&offset=0&format=hex")
    hexed = wait_until(lambda: text_of(browser, "pre.record-value"), "the records as hex")
    assert hexed.startswith("7b 22 61 6d"), hexed  # {"am
    assert console_errors(browser) == []


@pytest.mark.parametrize("page", ["#/topics", "#/topic/orders", "#/groups", "#/group/billing",
                                  "#/records?topic=orders&partition=0&offset=0"])
def test_pages_fit_a_phone_screen(broker, browser, page):
    browser.set_window_size(*PHONE)
    try:
        open_page(browser, broker.http + "/" + page)
        wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "main table"), "the page's table")
        assert no_horizontal_overflow(browser)
        for link in browser.find_elements(By.CSS_SELECTOR, "nav a"):
            assert link.is_displayed() and link.rect["x"] + link.rect["width"] <= PHONE[0], link.text
        name = page.strip("#/").split("?")[0].replace("/", "-")
        shoot(browser, f"phone-{name}")
        assert console_errors(browser) == []
    finally:
        browser.set_window_size(*DESKTOP)


def test_with_authentication_the_console_asks_for_a_token_and_honours_acls(browser, tmp_path):
    (tmp_path / "tokens").write_text("alice-secret alice\nadmin-secret admin\n")
    (tmp_path / "acl").write_text("alice read topic:visible-*\nadmin all topic:*\n")
    server = Eventlogd(str(tmp_path / "data"), [f"--auth_tokens={tmp_path / 'tokens'}",
                                                f"--acl={tmp_path / 'acl'}"]).start()
    try:
        for topic in ("visible-1", "hidden-1"):
            server.cli("topic", "create", topic, "--token", "admin-secret")
        open_page(browser, server.http + "/#/topics")
        field = wait_until(lambda: browser.find_elements(By.ID, "token"), "the sign-in form")[0]
        shoot(browser, "sign-in")
        field.send_keys("alice-secret")
        browser.find_element(By.CSS_SELECTOR, "form button").click()
        topics = wait_until(lambda: text_of(browser, "main table"), "alice's topic list")
        assert "visible-1" in topics and "hidden-1" not in topics, topics
        assert "signed in as alice" in browser.find_element(By.ID, "who").text
        open_page(browser, server.http + "/#/topic/hidden-1")
        denied = wait_until(lambda: text_of(browser, "main .error"), "the refusal")
        assert "hidden-1" in denied and "alice" in denied, denied
        browser.execute_script("sessionStorage.clear()")
        # The API's 401 (before signing in) and 403 are answers the console
        # shows; the browser logs them as failed loads. Nothing else may fail.
        errors = [e for e in console_errors(browser)
                  if " 401 " not in e["message"] and " 403 " not in e["message"]]
        assert errors == []
    finally:
        assert server.stop() == 0
