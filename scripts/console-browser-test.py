#!/usr/bin/env python3
"""The staff console in a real browser: headless Chromium driven by Selenium against `onego serve`.

A day's work across roles: the window takes a company opening (the situation questions, the
combined form with an error next to its field, the materials, one 容缺) and prints the receipt; the
market regulator's clerks accept, review, approve and issue it with a credit code; the dependants
appear for tax; the supervisor sees the on-time rate; the other departments finish (by `onego dept`);
the window records the 容缺 material and hands the results out. Also: a stored <script> shows as text, a form posted without its token is refused, a
clerk cannot open another department's sub-case by URL. Screenshots of the main pages are kept in
.build/console-screenshots/ for a reviewer. Run by scripts/test after `swift build`.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parent.parent
ONEGO = ROOT / ".build" / "debug" / "onego"
SHOTS = ROOT / ".build" / "console-screenshots"
PASSWORD = "correct horse battery"


def run(*arguments, env, stdin=None):
    result = subprocess.run([str(ONEGO), *arguments], env=env, input=stdin, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"console-browser-test: onego {' '.join(arguments)} failed: {result.stderr}")
    return result.stdout


BROWSER = None


def check(condition, message):
    if not condition:
        if BROWSER is not None:
            BROWSER.save_screenshot(str(SHOTS / "failure.png"))
            print(BROWSER.current_url, BROWSER.find_element(By.TAG_NAME, "body").text[:2000], file=sys.stderr)
        sys.exit(f"console-browser-test: FAILED: {message}")
    print(f"  ok: {message}")


def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="onego-console-"))
    env = dict(os.environ, ONEGO_DB=str(work / "onego.db"), ONEGO_TEST_TODAY="2026-11-23")
    run("db", "init", env=env)
    for account, role, dept in [
        ("wang.fang", "window", None), ("zhao.market", "department", "market-regulation"),
        ("qian.market", "department", "market-regulation"), ("li.tax", "department", "tax"),
        ("chen.sup", "supervisor", None),
    ]:
        extra = ["--dept", dept] if dept else ["--site", "徐汇中心"]
        run("staff", "add", account, "--name", account, "--role", role, *extra, env=env, stdin=PASSWORD + "\n")
    log = open(work / "serve.log", "w")
    server = subprocess.Popen([str(ONEGO), "serve", "--listen", "127.0.0.1:0"], env=env, cwd=ROOT, stdout=log, stderr=log)
    try:
        port = None
        for _ in range(200):
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", (work / "serve.log").read_text())
            if found:
                port = int(found.group(1))
                break
            time.sleep(0.1)
        check(port is not None, "onego serve started")
        drive(f"http://127.0.0.1:{port}", env)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def drive(base, env):
    SHOTS.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768", "--lang=zh-CN"]:
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    browser.implicitly_wait(5)
    global BROWSER
    BROWSER = browser

    def shot(name):
        browser.save_screenshot(str(SHOTS / f"{name}.png"))

    def submit(button):
        """Clicks a button or link once the page is complete, and waits for the next page."""
        WebDriverWait(browser, 15).until(lambda driver: driver.execute_script("return document.readyState") == "complete")
        page = browser.find_element(By.TAG_NAME, "html")
        button.click()
        # While the next page loads, Chromium may answer "node does not belong to the document"
        # instead of "stale": both mean the old page is going.
        WebDriverWait(browser, 30, ignored_exceptions=[WebDriverException]).until(expected_conditions.staleness_of(page))

    def sign_in(account):
        browser.get(base + "/console/login")
        browser.find_element(By.ID, "account").send_keys(account)
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        submit(browser.find_element(By.ID, "sign-in"))

    def sign_out():
        # Going to the sign-in page afterwards shows that the session really ended.
        submit(browser.find_element(By.CSS_SELECTOR, "form.signout button"))
        browser.get(base + "/console/cases")
        WebDriverWait(browser, 15).until(lambda driver: driver.current_url.endswith("/console/login"))

    def step(name, fields=None):
        form = browser.find_element(By.ID, f"step-{name}")
        for field, value in (fields or {}).items():
            form.find_element(By.NAME, field).send_keys(value)
        form.find_element(By.NAME, "confirm").click()
        submit(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    try:
        print("console-browser-test:")
        application = json.loads((ROOT / "docs/examples/company-opening-application.json").read_text())
        values = dict(application["values"], **{"company.businessScope": "软件开发<script>alert(1)</script>"})
        sign_in("wang.fang")
        check(browser.current_url.endswith("/console/cases"), "the window lands on the case search")
        submit(browser.find_element(By.LINK_TEXT, "受理申请"))
        submit(browser.find_element(By.CSS_SELECTOR, "a[href='/console/intake/company-opening']"))
        for situation, choice in application["answers"].items():
            browser.find_element(By.CSS_SELECTOR, f"input[name='a.{situation}'][value='{choice}']").click()
        shot("intake-questions")
        submit(browser.find_element(By.CSS_SELECTOR, "#situations button"))
        browser.find_element(By.ID, "applicant.name").send_keys(application["applicant"]["name"])
        browser.find_element(By.ID, "applicant.idNumber").send_keys(application["applicant"]["idNumber"])
        browser.find_element(By.ID, "applicant.phone").send_keys(application["applicant"]["phone"])
        for element, value in values.items():
            fields = browser.find_elements(By.ID, f"v.{element}")
            if not fields:
                continue
            field = fields[0]
            if field.tag_name == "select":
                field.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
            else:
                field.send_keys("999999" if element == "company.divisionCode" else value)
        browser.find_element(By.CSS_SELECTOR, "select[name='m.employee-list'] option[value='missing']").click()
        browser.find_element(By.NAME, "d.employee-list").send_keys("2026-11-24")
        shot("intake-form")
        submit(browser.find_element(By.ID, "submit-application"))
        check("申请未保存" in browser.find_element(By.CSS_SELECTOR, "p.error").text, "a wrong division code is refused")
        errors = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".field-error")]
        check(len(errors) == 1, f"with one message next to its field: {errors}")
        division = browser.find_element(By.ID, "v.company.divisionCode")
        division.clear()
        division.send_keys(values["company.divisionCode"])
        submit(browser.find_element(By.ID, "submit-application"))
        check(browser.current_url.endswith("/receipt"), "the window submits for the citizen and gets the receipt")
        receipt = browser.find_element(By.ID, "receipt").text
        number = re.search(r"OG\d{8}-\d{6}", receipt).group(0)
        check("110105********002X" in receipt, "the receipt masks the ID number")
        shot("window-receipt")
        browser.get(base + "/console/cases")
        browser.find_element(By.NAME, "q").send_keys("张三")
        submit(browser.find_element(By.CSS_SELECTOR, "form.search button"))
        check(number in browser.find_element(By.ID, "results").text, "the window finds the case by the applicant's name")
        check("110105********002X" in browser.page_source, "the ID number is masked")
        shot("window-search")
        submit(browser.find_element(By.LINK_TEXT, number))
        check("submit" in browser.find_element(By.ID, "timeline").text, "the case page shows the timeline")
        shot("window-case")
        sign_out()

        sign_in("zhao.market")
        check(f"{number}-01" in browser.find_element(By.ID, "inbox").text, "the market clerk's inbox lists the sub-case")
        shot("desk-inbox")
        submit(browser.find_element(By.LINK_TEXT, f"{number}-01"))
        check("软件开发<script>alert(1)</script>" in browser.find_element(By.TAG_NAME, "main").text,
              "a stored <script> shows as text")
        try:
            browser.switch_to.alert
            check(False, "no script ran")
        except NoAlertPresentException:
            check(True, "no script ran")
        shot("desk-subcase")
        csrf_refused(base, browser, f"{number}-01")
        step("accept")
        check(browser.find_element(By.ID, "subcase-state").text == "已受理", "accepted")
        step("review")
        check(browser.find_element(By.ID, "subcase-state").text == "已审核", "reviewed")
        step("approve")
        check(browser.find_element(By.CSS_SELECTOR, "p.error").text
              == f"批准 {number}-01: 办件 {number}，子办件 {number}-01(company-registration):zhao.market 已审查此子办件，"
              "不能再由其本人批准;请由另一名工作人员批准", "the reviewer may not approve: separation of duties, said in full")
        sign_out()

        sign_in("qian.market")
        browser.get(f"{base}/console/desk/{number}-01")
        step("approve")
        check(browser.find_element(By.ID, "subcase-state").text == "已批准", "a second clerk approves")
        step("issue", {"output.company.creditCode": "91512081MA62K0260X"})
        check("The credit code's check character does not match" in browser.find_element(By.CSS_SELECTOR, "p.error").text,
              "a wrong credit code is refused next to the step, naming the case and step")
        shot("desk-refused")
        browser.get(f"{base}/console/desk/{number}-01")
        step("issue", {"output.company.creditCode": "91512081MA62K0260E"})
        check(browser.find_element(By.ID, "subcase-state").text == "已办结", "issued with a credit code")
        sign_out()

        sign_in("li.tax")
        check(f"{number}-03" in browser.find_element(By.ID, "inbox").text, "the dependants appear for tax")
        browser.get(f"{base}/console/desk/{number}-01")
        check(f"子办件 {number}-01 属于 market-regulation，不属于 tax" in browser.find_element(By.TAG_NAME, "main").text,
              "a tax clerk cannot open the market regulator's sub-case by URL")
        check("软件开发" not in browser.page_source, "and sees nothing of it")
        sign_out()

        sign_in("chen.sup")
        check("100%" in browser.find_element(By.ID, "on-time").text, "the supervisor sees the on-time rate")
        shot("dashboard")
        browser.get(base + "/console/dashboard?lang=en")
        check("On-time rate by department" in browser.page_source, "English by the switch")
        shot("dashboard-en")
        browser.get(base + "/console/dashboard?lang=zh")
        browser.get(base + "/console/sign-ins")
        signins = browser.find_element(By.ID, "sign-ins").text
        check("qian.market" in signins and "退出" in signins, "every sign-in and sign-out of the day is in the audit")
        shot("sign-ins")
        sign_out()

        sign_in("wang.fang")
        browser.get(f"{base}/console/cases/{number}")
        browser.find_element(By.CSS_SELECTOR, "#supply input[value='employee-list']").click()
        submit(browser.find_element(By.CSS_SELECTOR, "#supply button"))
        check(not browser.find_elements(By.ID, "supply"), "the window records the 容缺 material's arrival: nothing is awaited")
        finish_other_departments(number, env)
        browser.get(f"{base}/console/cases/{number}")
        check(browser.find_element(By.ID, "case-status").text == "已办结", "every department finished: the case is completed")
        handout = browser.find_element(By.ID, "handout")
        handout.find_element(By.NAME, "name").send_keys("张三")
        submit(handout.find_element(By.CSS_SELECTOR, "button"))
        check("已出件" in browser.find_element(By.CSS_SELECTOR, "p.notice").text, "the window hands the results out")
        shot("window-handout")
    finally:
        browser.quit()
    print(f"console-browser-test: passed; screenshots in {SHOTS}")


# The company opening's items after the licence, with their departments and outputs.
LATER_ITEMS = {
    "seal-engraving": ("public-security", ["--output", "company.sealFilingNumber=1234567890"]),
    "tax-invoice-setup": ("tax", []), "employee-social-insurance": ("human-resources", []),
    "medical-insurance-registration": ("medical-security", []), "provident-fund-registration": ("provident-fund", []),
    "bank-account-opening": ("bank", []),
}


def finish_other_departments(number, env):
    """The departments after market regulation finish by `onego dept`, each step by the right clerk."""
    for subcase, item in re.findall(rf"({number}-0[2-9])\s+\S+\s+(\S+)", run("case", "show", number, env=env)):
        department, outputs = LATER_ITEMS[item]
        run("dept", "accept", subcase, "--dept", department, "--staff", "clerk-a", env=env)
        run("dept", "review", subcase, "--dept", department, "--staff", "clerk-a", env=env)
        run("dept", "approve", subcase, "--dept", department, "--staff", "clerk-b", env=env)
        run("dept", "issue", subcase, "--dept", department, "--staff", "clerk-a", *outputs, env=env)
    print("  ok: the other departments finished (onego dept)")


def csrf_refused(base, browser, subcase):
    """A form posted with the session cookie but without its token is refused."""
    session = browser.get_cookie("onego_session")["value"]
    request = urllib.request.Request(
        f"{base}/console/desk/{subcase}/accept", data=b"confirm=yes", method="POST",
        headers={"Cookie": f"onego_session={session}", "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(request)
        check(False, "a form without its token is refused")
    except urllib.error.HTTPError as error:
        check(error.code == 403, "a form without its token is refused")


if __name__ == "__main__":
    main()
