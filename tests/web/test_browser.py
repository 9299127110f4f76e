"""The page in headless Chromium, served by real gunicorn: what a reader does, step by step.

The tests of this module share one browser and run in order: type an Urdu query (results
appear while typing), go back and forward, follow "did you mean", a facet, the next page.
Screenshots go to ``test-output/web/``.
"""

import json
import urllib.parse
import urllib.request

import pytest

from tests.web.conftest import OUTPUT, chrome

QUERY = "لاہور اسموگ"
WAIT = 10  # seconds; only an upper bound, the waits return as soon as the page is ready


def api(base, **params):
    url = f"{base}/search?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def wait(driver, condition):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(lambda d: condition(d))


def shown_ids(driver):
    from selenium.webdriver.common.by import By

    return [e.get_attribute("data-id")
            for e in driver.find_elements(By.CSS_SELECTOR, "#results li.result")]


def query_of(driver):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query).get("q", [""])[0]


def screenshot(driver, name, width=1280):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(width, 800)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 4000))
    path = OUTPUT / name
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path


def console_errors(driver):
    """Errors the page logged: a CSP violation, a failed script or a missing file."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.fixture(scope="module")
def site(web_server):
    return web_server[0]


def test_types_an_urdu_query_and_sees_ranked_results_while_typing(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/")
    assert browser.find_element(By.CSS_SELECTOR, ".welcome")
    box = browser.find_element(By.ID, "q")
    assert browser.switch_to.active_element == box  # autofocus on the empty page
    entries = browser.execute_script("return history.length")
    box.send_keys(QUERY)
    expected = [h["id"] for h in api(site, q=QUERY)["results"]]
    assert expected
    wait(browser, lambda d: shown_ids(d) == expected)
    assert query_of(browser) == QUERY  # the address is shareable at once
    # One history entry for the whole typing burst, not one per letter.
    assert browser.execute_script("return history.length") == entries + 1
    marks = browser.find_elements(By.CSS_SELECTOR, "#results .snippet mark")
    assert marks and all(any(w in m.text for w in QUERY.split()) for m in marks)
    assert browser.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    first = browser.find_element(By.CSS_SELECTOR, "#results li.result .title")
    assert browser.execute_script("return arguments[0].matches(':dir(rtl)')", first)
    # Right-to-left layout: the first title hugs the right edge of the results column.
    gap = browser.execute_script(
        "const t = arguments[0].querySelector('a').getBoundingClientRect();"
        "const c = arguments[0].getBoundingClientRect(); return c.right - t.right;", first)
    assert 0 <= gap < 2
    status = browser.find_element(By.ID, "live-status").get_attribute("textContent")
    assert "نتائج" in status  # screen readers hear the new count
    screenshot(browser, "search-page.png")
    screenshot(browser, "search-page-phone.png", width=390)
    assert console_errors(browser) == []


def test_back_and_forward_restore_each_state(browser, site):
    from selenium.webdriver.common.by import By

    browser.back()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".welcome"))
    assert query_of(browser) == "" and browser.find_element(By.ID, "q").get_attribute(
        "value") == ""
    browser.forward()
    expected = [h["id"] for h in api(site, q=QUERY)["results"]]
    wait(browser, lambda d: shown_ids(d) == expected)
    assert browser.find_element(By.ID, "q").get_attribute("value") == QUERY


def test_follows_did_you_mean(browser, site):
    from selenium.webdriver.common.by import By

    misspelt = "لاہوور اسموگ"
    answer = api(site, q=misspelt)
    if not answer["suggestion"]:
        pytest.skip("the engine offers no suggestion for a misspelt query yet "
                    "(Searcher.search returns suggestion=None)")
    browser.get(site + "/?" + urllib.parse.urlencode({"q": misspelt}))
    assert browser.find_element(By.CSS_SELECTOR, ".suggestion a").text == answer["suggestion"]
    screenshot(browser, "did-you-mean.png")
    browser.find_element(By.CSS_SELECTOR, ".suggestion a").click()
    wait(browser, lambda d: query_of(d) == answer["suggestion"])
    expected = [h["id"] for h in api(site, q=answer["suggestion"])["results"]]
    assert shown_ids(browser) == expected and expected


def test_follows_a_facet_and_removes_it(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/?" + urllib.parse.urlencode({"q": "لاہور"}))
    facet = browser.find_element(By.CSS_SELECTOR, "#facet-site + ul a")
    value = facet.find_element(By.TAG_NAME, "bdi").text
    facet.click()
    wait(browser, lambda d: "site=" in d.current_url)
    expected = [h["id"] for h in api(site, q="لاہور", site=value)["results"]]
    assert shown_ids(browser) == expected and expected
    sites = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#results .meta .site")}
    assert sites == {value}
    browser.find_element(By.CSS_SELECTOR, ".chips a").click()
    wait(browser, lambda d: "site=" not in d.current_url)
    assert len(shown_ids(browser)) == 10


def test_pages_forward_with_the_keyboard(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(site + "/?" + urllib.parse.urlencode({"q": "لاہور"}))
    nxt = browser.find_element(By.CSS_SELECTOR, ".pages a[rel=next]")
    nxt.send_keys(Keys.ENTER)
    wait(browser, lambda d: "page=2" in d.current_url)
    expected = [h["id"] for h in api(site, q="لاہور", page=2)["results"]]
    assert shown_ids(browser) == expected and expected
    assert browser.find_element(By.CSS_SELECTOR, "ol.results").get_attribute("start") == "11"
    current = browser.find_element(By.CSS_SELECTOR, ".pages a[aria-current=page]")
    assert current.text == "2"


def test_skip_link_is_the_first_stop_for_the_keyboard(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(site + "/?" + urllib.parse.urlencode({"q": "لاہور"}))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("class") == "skip" and active.is_displayed()
    outline = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", active)
    assert outline != "none"  # focus is visible


def test_works_without_javascript(site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = chrome(javascript=False)
    try:
        driver.get(site + "/")
        driver.find_element(By.ID, "q").send_keys(QUERY + Keys.ENTER)
        wait(driver, lambda d: query_of(d) == QUERY)
        assert shown_ids(driver) == [h["id"] for h in api(site, q=QUERY)["results"]]
    finally:
        driver.quit()
