//! Real-browser tests (headless Chromium through chromedriver), written in `e2e` style.
//! They run when `NTM_E2E=1` and Debian's `chromium` and `chromium-driver` are installed
//! (`.ci/run` installs them); otherwise they say they were skipped.
