//! Command-line definitions and dispatch. Each command calls the app and hands the result
//! to [`crate::output`].

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use ntm_app::AuditContext;
use ntm_app::evaluate::{Basis, Workspace};
use ntm_core::UnitLevel;
use ntm_core::criteria::SetId;

use crate::output;

/// ntm — the New Rural Development (nông thôn mới) information system of a province's
/// coordination office: administrative units with their history, criteria sets as data,
/// indicator values, and evaluation of every commune, district and province.
#[derive(Debug, Parser)]
#[command(name = "ntm", version, about, long_about = None)]
pub struct Args {
    /// Database: a SQLite file path or `sqlite:` URL (the embedded default), or a
    /// `postgres://` URL for a PostgreSQL server.
    #[arg(
        long,
        global = true,
        env = "NTM_DATABASE_URL",
        default_value = "ntm.db"
    )]
    pub database: String,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is acting, recorded in the audit log for every write.
    #[arg(long, global = true, env = "NTM_ACTOR")]
    pub actor: Option<String>,
    /// Run as if it were this instant (RFC 3339, e.g. 2026-11-29T12:00:00+07:00): task
    /// states, reminders, sessions and audit times all read it. For tests and for
    /// reproducing a report as of a past day; the system clock otherwise.
    #[arg(long, global = true, env = "NTM_NOW", hide = true)]
    pub now: Option<String>,
    /// Log lines on standard error: `text` (readable) or `json` (one object a line, for a
    /// log collector). Which lines: `NTM_LOG` (e.g. `info`, `ntm_web=debug`), `warn` by
    /// default for commands and `info` for `serve`.
    #[arg(long, global = true, env = "NTM_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the Hà Tĩnh demo into the database (units, criteria sets, illustrative values
    /// for 2020-2022) and print the province summary. Running it again changes nothing.
    Demo {
        /// Year of the summary printed at the end.
        #[arg(long, default_value_t = 2021)]
        year: i32,
    },
    /// Start the web application (pages in Vietnamese and the JSON API under /api/v1).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "NTM_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Load the Hà Tĩnh demo first (if not loaded) and create the demo accounts, which
        /// are printed on start.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (when served behind TLS).
        #[arg(long, env = "NTM_SECURE_COOKIES")]
        secure_cookies: bool,
        /// The year pages open on; by default the current year (in Vietnam's time, by
        /// the clock ntm runs on).
        #[arg(long)]
        year: Option<i32>,
        /// The residents' satisfaction rate (%) a commune needs for recognition; unset, no
        /// dossier passes appraisal (the rate of 18/2022/QĐ-TTg for communes was not
        /// found). Give it with the act that sets it (--satisfaction-source).
        #[arg(long, env = "NTM_SATISFACTION_MIN", requires = "satisfaction_source")]
        satisfaction_min: Option<rust_decimal::Decimal>,
        /// The act the satisfaction rate comes from ("QĐ …/QĐ-UBND, Điều …").
        #[arg(long, env = "NTM_SATISFACTION_SOURCE", requires = "satisfaction_min")]
        satisfaction_source: Option<String>,
        /// The title a commune formed by merger holds until it is recognised again:
        /// `lowest` (the lowest among the communes merged into it, the practice reported
        /// after Hà Tĩnh's 2019-2023 mergers) or `none`.
        #[arg(long, env = "NTM_INHERIT_RULE", default_value = "lowest", value_parser = ["lowest", "none"])]
        inherit_rule: String,
        /// How many days ahead the follow-up view counts a task as due soon (each user
        /// may change it on the page).
        #[arg(long, env = "NTM_DUE_SOON_DAYS", default_value_t = 14)]
        due_soon_days: u32,
        /// Days before an OCOP certificate's last day at which it is listed as expiring
        /// (the same days `ntm remind --ocop-alert-days` alerts at).
        #[arg(long, env = "NTM_OCOP_ALERT_DAYS", default_value = "90,30", value_parser = parse_alert_days)]
        ocop_alert_days: AlertDays,
        /// The ratio of identity-kit spending to production investment, per unit and
        /// year, above which OCOP support is flagged.
        #[arg(long, env = "NTM_OCOP_IDENTITY_RATIO", default_value = "1")]
        ocop_identity_ratio: rust_decimal::Decimal,
        /// The public address of the site (https://…): what the QR codes on OCOP
        /// packages point to. Unset, the address each request came in on.
        #[arg(long, env = "NTM_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// User accounts: the first administrator is created here.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create or update the database schema (also done automatically on every command).
    Migrate,
    /// For a service manager or a load balancer: exit 0 when the database answers and
    /// has every migration of this build, 1 (with the reason) otherwise. Changes nothing.
    Healthcheck,
    /// Administrative units: the tree as of a date, lineage across reforms, import.
    Units(UnitsArgs),
    /// Criteria sets: list, show, check and import set files.
    Criteria {
        #[command(subcommand)]
        command: CriteriaCommand,
    },
    /// Indicator values: import (atomic; every bad row reported) and export.
    Values {
        #[command(subcommand)]
        command: ValuesCommand,
    },
    /// Evaluate one unit in one year: every criterion and indicator, the level reached and
    /// the gap to the next level.
    Evaluate {
        /// Unit code (e.g. 18415) or full id (18073@2025-07-01) where a code was reused.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: i32,
        /// Criteria set id (default: the most specific set that applies).
        #[arg(long)]
        set: Option<String>,
        /// Read the values as they stand, approved or not (draft, submitted, returned):
        /// not an official result. By default only approved values count.
        #[arg(long)]
        unapproved: bool,
    },
    /// The province summary of a year: communes by level, reported statistics, districts,
    /// change from the previous year. Official figures: approved values only, with the
    /// number of communes whose values wait for approval.
    Summary {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        set: Option<String>,
        /// Count values not yet approved too (the heading then says so).
        #[arg(long)]
        unapproved: bool,
        /// Count on the tree of this day of the year (YYYY-MM-DD), e.g. 2025-06-30 for
        /// the communes and districts before the reform; default 31 December.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// OCOP: the province's figures and report, support spending and the mandatory
    /// conditions of the score sheets.
    Ocop {
        #[command(subcommand)]
        command: OcopCommand,
    },
    /// Sponsorship (đỡ đầu) and mobilised funds: the sponsorships with what is still owed,
    /// the funding report, a funds import.
    Funds {
        #[command(subcommand)]
        command: FundsCommand,
    },
    /// The synthetic country of the benchmarks (docs/benchmarks.md): unit files, values,
    /// approval of what was loaded, and the evaluation benchmark. Not for real data.
    #[command(hide = true)]
    BenchData {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Directives' tasks: list them with their computed state, or compile them (counts by
    /// the four states, lead units ranked by on-time rate, laggards first).
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
    /// Urge: record a reminder for every open task due within DAYS or overdue, and notify
    /// its lead and the office; with SMTP configured, e-mail each user with an address a
    /// digest of their unread notifications. Idempotent — for a cron job or systemd timer.
    Remind {
        #[arg(long, default_value_t = 7)]
        within_days: u32,
        /// SMTP server for the e-mail digest, e.g.
        /// smtp://user:password@mail.example.vn:587?from=vpdp%40example.vn
        /// (smtps:// for implicit TLS; ?security=none for a local relay).
        #[arg(long, env = "NTM_SMTP_URL", hide_env_values = true)]
        smtp: Option<String>,
        /// The address users open ntm at, for the links in the digest.
        #[arg(long, env = "NTM_BASE_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
        /// Alert the office and the producer's commune when an OCOP certificate has at
        /// most these many days left (once per certificate and day count).
        #[arg(long, env = "NTM_OCOP_ALERT_DAYS", default_value = "90,30", value_parser = parse_alert_days)]
        ocop_alert_days: AlertDays,
    },
    /// Read the audit log (newest first).
    Audit {
        /// Only entries about this unit id.
        #[arg(long)]
        unit: Option<String>,
        /// Only entries of this action (e.g. value.update).
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Copy a SQLite database to FILE (consistent, while in use).
    Backup { file: PathBuf },
    /// Move the whole database to another store: a SQLite file to PostgreSQL when the
    /// office outgrows it, or back (docs/postgresql.md). Every table — the audit log, the
    /// files, the accounts — but the sessions is read in one consistent snapshot and
    /// written in one transaction into an empty database (migrated first), then read back
    /// and verified table by table (rows and SHA-256). `--database` is not used.
    Copy {
        /// The database copied (left unchanged): a SQLite file path or `sqlite:` URL, or
        /// a `postgres://` URL. It must have every migration of this build.
        #[arg(long)]
        from: String,
        /// The database written: a new SQLite file, or an existing empty PostgreSQL
        /// database; one whose tables hold any row is refused.
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// Every task (of one directive) with its deadline, state and lead.
    List {
        #[arg(long)]
        directive: Option<i64>,
    },
    /// Counts by state and the ranking of lead units by on-time rate; with --from and
    /// --to, the report of that period across directives (what fell due in it and what is
    /// in arrears, judged at its end).
    Compile {
        #[arg(long)]
        directive: Option<i64>,
        /// First day of the period (YYYY-MM-DD).
        #[arg(long, requires = "to")]
        from: Option<NaiveDate>,
        /// Last day of the period (YYYY-MM-DD).
        #[arg(long, requires = "from")]
        to: Option<NaiveDate>,
        /// Also write the compilation as an .xlsx file.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Draft the urging letter (.docx) to a lead about its overdue tasks.
    Urge {
        /// The lead: an organisation's name, or a unit's name, code or id.
        lead: String,
        /// Where to write the letter (default: the suggested file name).
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from NTM_PASSWORD or asked on the terminal.
    Add {
        username: String,
        /// Full name shown in the application.
        #[arg(long)]
        name: String,
        /// Role and scope as ROLE:UNIT, e.g. admin:42, commune:18850, district:447,
        /// commune:18073@2025-07-01. Roles: admin, viewer, department, commune, district.
        #[arg(long, required = true)]
        grant: Vec<String>,
        /// Year in which unit codes are meant (codes were reused in 2025).
        #[arg(long, default_value_t = 2022)]
        year: i32,
        /// Where the digest of notifications goes.
        #[arg(long)]
        email: Option<String>,
    },
    /// Give a user one more grant (ROLE:UNIT, as for `add`). A grant on a unit merged in
    /// a reform carries to the unit that took it over, unless --no-follow.
    Grant {
        username: String,
        grant: String,
        /// Year in which the unit code is meant.
        #[arg(long, default_value_t = 2026)]
        year: i32,
        /// Keep the grant on its own unit, not on the units that took it over.
        #[arg(long)]
        no_follow: bool,
    },
    /// Take a grant (ROLE:UNIT) from a user.
    Revoke {
        username: String,
        grant: String,
        #[arg(long, default_value_t = 2026)]
        year: i32,
    },
    /// Set the e-mail address of a user's digest (an empty address clears it).
    SetEmail { username: String, email: String },
    /// List users with their roles.
    List,
    /// Disable a user (ends their sessions and tokens).
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// Set a new password (read from NTM_PASSWORD or asked on the terminal).
    ResetPassword { username: String },
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct UnitsArgs {
    #[command(subcommand)]
    pub command: Option<UnitsCommand>,
    /// Show the tree as it stood on this date (YYYY-MM-DD); default today.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Only units of this tier.
    #[arg(long, value_parser = ["province", "district", "commune"])]
    pub level: Option<String>,
    /// Only units under this unit (code, valid on the date).
    #[arg(long)]
    pub parent: Option<String>,
    /// Only units whose name matches (diacritics optional: "ky lac" finds "Kỳ Lạc").
    #[arg(long)]
    pub search: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// A unit's predecessors and successors through mergers and splits.
    Lineage {
        /// Code or full id; a code reused across a reform needs --year or the full id.
        code: String,
        /// Year in which the code is meant.
        #[arg(long)]
        year: Option<i32>,
    },
    /// Import units from a manifest (see docs/units-format.md), e.g.
    /// data/admin-units/hatinh.toml.
    Import { manifest: PathBuf },
    /// Set a unit's region or commune group from a date on (the past is kept; audited).
    SetAttribute {
        /// Code (meant in the year of --from) or full id.
        #[arg(long)]
        unit: String,
        /// `region` (vùng: TDMNPB, DBSH, BTB, DHNTB, TN, DNB, DBSCL) or `commune_group`
        /// (nhóm xã 1-3 of the 2026-2030 set).
        #[arg(long)]
        key: String,
        #[arg(long)]
        value: String,
        /// First day it holds (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// The act that decides it (number, date).
        #[arg(long)]
        source: String,
    },
    /// Set many units' regions or commune groups from a CSV file
    /// (unit,key,value,from,source): all or nothing, every error located.
    Attributes { file: PathBuf },
    /// Import a register of villages and gardens from .xlsx (sheets "Thôn" and "Vườn",
    /// as `villages-export` writes them): checked whole, every error located, written
    /// all or nothing; with --dry-run only says what it would write.
    VillagesImport {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the register of villages and gardens (all communes) as .xlsx.
    VillagesExport { output: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum OcopCommand {
    /// The province's figures today: valid by stars, cumulative, by evaluation year.
    Summary,
    /// Write the province's OCOP report (.xlsx).
    Report { output: PathBuf },
    /// Import support payments from .xlsx (the template of the support page): all or
    /// nothing, every problem with its sheet and row.
    SupportImport {
        file: PathBuf,
        /// Show what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Load mandatory conditions from CSV (rule_set,product_set,stars,code,text,source).
    ConditionsImport { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum FundsCommand {
    /// The sponsorships: committed, confirmed by the office, waiting, still owed.
    Sponsors,
    /// The funding report: by source, plan against actual (text or --json), or with
    /// --output the workbook of the funds page.
    Report {
        #[arg(long, default_value_t = 2021)]
        from: i32,
        #[arg(long)]
        to: Option<i32>,
        /// Each amount under the unit it was recorded for (default: today's units, the
        /// lineage's successors taking the amounts of the units they replaced).
        #[arg(long)]
        recorded: bool,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Import fund lines from .xlsx (the template of the funds page): all or nothing,
    /// every problem with its sheet and row.
    Import {
        file: PathBuf,
        /// Show what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Write the unit files (a manifest per province, the commune groups) under OUT.
    Units {
        /// Provinces, 1 to 63 (63: the whole country, about 10,600 communes).
        #[arg(long, default_value_t = 1)]
        provinces: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the values of a year for every xã the database holds (long CSV).
    Values {
        #[arg(long)]
        year: i32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Write the import template of a year filled with generated values for every xã of
    /// a province (its code) or of the country.
    Template {
        #[arg(long)]
        year: i32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        province: Option<String>,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Benchmark reference: read every cell of an .xlsx with calamine, and nothing else.
    ReadXlsx { file: PathBuf },
    /// Approve every unit-year of a year that has values.
    Approve {
        #[arg(long)]
        year: i32,
    },
    /// Benchmark: evaluate every commune of a year from the store, against reading its
    /// values (medians of RUNS).
    Evaluate {
        #[arg(long)]
        year: i32,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum CriteriaCommand {
    /// List the stored sets.
    List,
    /// Show one set: criteria, indicators, thresholds with their sources.
    Show { id: String },
    /// Check set files and report every problem with its location (file:line:column).
    /// Files are checked against the shipped sets and each other.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check and import set files; each imported set gets a new version.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also import every set shipped with ntm.
        #[arg(long)]
        shipped: bool,
    },
    /// Write a set as a table laid out like a decision's annex (.xlsx), to fill in Excel
    /// and read back with `import-table`.
    Table {
        id: String,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Read a filled annex table into a set: shows what it adds, changes and removes, then
    /// stores it as a new version after confirmation (`--yes` in scripts).
    ImportTable {
        id: String,
        file: PathBuf,
        /// Check and preview only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write without asking.
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ValuesCommand {
    /// Import a filled .xlsx template or a long-format CSV (unit, year, indicator, value,
    /// note). Everything is checked first and a preview (new, changed old → new, unchanged)
    /// is shown; if any row is bad nothing is written and every bad row is listed with its
    /// place. Then everything is written in one transaction after confirmation (asked on a
    /// terminal; `--yes` in scripts).
    Import {
        file: PathBuf,
        /// Check and preview only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write without asking.
        #[arg(long, short)]
        yes: bool,
        /// Leave out the unit-years that are submitted or approved (locked) and write the
        /// rest; without it, a file touching one is not written.
        #[arg(long)]
        skip_locked: bool,
    },
    /// Export values in the same long format (re-imports with zero changes); a file
    /// ending in .xlsx gets an Excel workbook.
    Export {
        #[arg(long)]
        year: Option<i32>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// `ntm copy`: the source checked before the target is created or migrated, so that a
/// refused source leaves no new database behind.
async fn copy(from: &str, to: &str, json: bool) -> anyhow::Result<()> {
    let (shown_from, shown_to) = (crate::store::mask(from), crate::store::mask(to));
    if crate::store::same_database(from, to) {
        bail!("nguồn và đích là cùng một cơ sở dữ liệu ({shown_from})");
    }
    let source = crate::store::open_unmigrated(from).await?;
    ntm_app::copy::check_schema(source.as_ref(), "nguồn").await?;
    let target = crate::store::open(to).await?;
    let report = ntm_app::copy::copy(source.as_ref(), target.as_ref())
        .await
        .with_context(|| format!("không chép được {shown_from} sang {shown_to}"))?;
    output::copy(&report, &shown_from, &shown_to, json)?;
    if !report.verified() {
        let differ: Vec<&str> = report
            .tables
            .iter()
            .filter(|t| !t.ok())
            .map(|t| t.source.table)
            .collect();
        bail!(
            "bản chép ở {shown_to} KHÔNG khớp với nguồn (bảng {}): đừng dùng nó; hãy xóa rồi chép lại",
            differ.join(", ")
        );
    }
    Ok(())
}

fn audit(args: &Args, reason: impl Into<String>) -> AuditContext {
    let actor = args
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".into());
    AuditContext {
        actor,
        at: args.clock().now(),
        reason: reason.into(),
    }
}

fn read_files(files: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
    files
        .iter()
        .map(|f| {
            Ok((
                f.display().to_string(),
                std::fs::read_to_string(f)
                    .with_context(|| format!("không đọc được {}", f.display()))?,
            ))
        })
        .collect()
}

impl Args {
    /// The clock every command reads: `--now` if given (checked in [`run`]), else the
    /// system's.
    pub fn clock(&self) -> ntm_app::clock::Clock {
        ntm_app::clock::Clock::from_setting(self.now.as_deref())
            .unwrap_or_else(|_| ntm_app::clock::Clock::system())
    }
}

/// Runs one command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let clock = ntm_app::clock::Clock::from_setting(args.now.as_deref())
        .map_err(|m| anyhow::anyhow!("--now: {m}"))?;
    match &args.command {
        Command::Criteria {
            command: CriteriaCommand::Check { files },
        } => {
            let files = read_files(files)?;
            let problems = ntm_app::criteria::check(&files, &ntm_data::shipped::criteria_files());
            return output::check(&files, &problems, args.json);
        }
        Command::Healthcheck => {
            let store = crate::store::open_unmigrated(&args.database).await?;
            if let Some(problem) = store.health().await? {
                bail!("{problem}");
            }
            store.data_versions().await?;
            outln!(
                "ntm: cơ sở dữ liệu {} sẵn sàng, lược đồ đã cập nhật",
                crate::store::mask(&args.database)
            );
            return Ok(());
        }
        Command::Migrate => {
            crate::store::open(&args.database).await?;
            outln!(
                "Lược đồ cơ sở dữ liệu đã cập nhật: {}",
                crate::store::mask(&args.database)
            );
            return Ok(());
        }
        Command::BenchData {
            command:
                BenchCommand::Units {
                    provinces,
                    seed,
                    out,
                },
        } => {
            let shape = ntm_app::bench_data::Shape {
                provinces: *provinces,
                seed: *seed,
            };
            return crate::bench::units(&shape, out);
        }
        Command::BenchData {
            command: BenchCommand::ReadXlsx { file },
        } => return crate::bench::read_xlsx(file),
        Command::Copy { from, to } => return copy(from, to, args.json).await,
        Command::Backup { file } => {
            if crate::store::is_postgres(&args.database) {
                bail!("ntm backup sao lưu cơ sở dữ liệu SQLite; với PostgreSQL hãy dùng pg_dump");
            }
            let store = crate::store::open_sqlite(&args.database).await?;
            store.backup_to(file).await?;
            outln!("Đã sao lưu vào {}", file.display());
            return Ok(());
        }
        _ => {}
    }
    let shared = crate::store::open(&args.database).await?;
    let store = shared.as_ref();
    match &args.command {
        Command::Serve {
            addr,
            demo,
            secure_cookies,
            due_soon_days,
            ocop_alert_days,
            ocop_identity_ratio,
            public_url,
            year,
            satisfaction_min,
            satisfaction_source,
            inherit_rule,
        } => {
            // The demo never keeps a server from starting: whatever it cannot do is said,
            // and the server serves what the database holds.
            if *demo {
                match ntm_app::demo::build(store, &audit(&args, "ntm serve --demo")).await {
                    Ok(report) => outln!(
                        "Dữ liệu minh họa Hà Tĩnh: {} giá trị mới, {} giữ nguyên như trong cơ sở dữ liệu.",
                        report.values.inserted,
                        report.kept
                    ),
                    Err(e) => eprintln!(
                        "Cảnh báo: không nạp được dữ liệu minh họa ({e}); máy chủ vẫn chạy với dữ liệu hiện có."
                    ),
                }
                match ntm_app::demo::accounts(store, &audit(&args, "ntm serve --demo")).await {
                    Ok(accounts) => {
                        outln!(
                            "Tài khoản minh họa (mật khẩu chung: {}):",
                            ntm_app::demo::DEMO_PASSWORD
                        );
                        for a in &accounts {
                            outln!("  {:<12} {} — {}", a.username, a.role.label_vi(), a.unit);
                        }
                    }
                    Err(e) => eprintln!("Cảnh báo: không tạo được tài khoản minh họa ({e})."),
                }
            }
            let config = ntm_web::WebConfig {
                secure_cookies: *secure_cookies,
                due_soon_days: *due_soon_days,
                default_year: year.unwrap_or_else(|| {
                    chrono::Datelike::year(&ntm_core::task::local_date(clock.now()))
                }),
                satisfaction_rule: satisfaction_min.zip(satisfaction_source.clone()).map(
                    |(min_pct, source)| ntm_core::recognition::SatisfactionRule { min_pct, source },
                ),
                inherit_rule: ntm_core::recognition::InheritRule::parse(inherit_rule)
                    .unwrap_or_default(),
                ocop_alert_days: ocop_alert_days.0.clone(),
                ocop_identity_ratio: *ocop_identity_ratio,
                public_url: public_url.clone().filter(|u| !u.trim().is_empty()),
                ..Default::default()
            };
            let app = ntm_web::router(ntm_web::AppState::new(
                shared.clone(),
                config,
                clock.clone(),
            ));
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("không mở được cổng {addr}"))?;
            outln!(
                "ntm đang chạy tại http://{addr}/ (cơ sở dữ liệu {}). Dừng: Ctrl+C.",
                crate::store::mask(&args.database)
            );
            // The peer address reaches handlers (sign-in is throttled per client).
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("máy chủ web dừng do lỗi")?;
            Ok(())
        }
        Command::User { command } => user(&args, store, command).await,
        Command::Ocop { command } => {
            let registry = ntm_app::units::load_registry(store).await?;
            let today = ntm_core::task::local_date(clock.now());
            let book = store.ocop_book().await?;
            match command {
                OcopCommand::Summary | OcopCommand::Report { .. } => {
                    let outcomes = ntm_app::ocop::outcomes(store, &book).await?;
                    let f = ntm_app::ocop::figures(&book, &registry, &|_| true, today, &outcomes);
                    if let OcopCommand::Report { output } = command {
                        let (_, totals) = ntm_app::ocop::spending(
                            &book,
                            &registry,
                            None,
                            ntm_app::ocop::DEFAULT_IDENTITY_RATIO,
                        );
                        let bytes = ntm_app::ocop::report_workbook(&f, &totals, today)?;
                        std::fs::write(output, bytes)
                            .with_context(|| format!("không ghi được {}", output.display()))?;
                        outln!("Đã ghi báo cáo OCOP: {}", output.display());
                    } else if args.json {
                        outln!(
                            "{}",
                            serde_json::json!({
                                "on": today.to_string(), "valid": f.valid, "cumulative": f.cumulative,
                                "lapsed": f.lapsed, "valid_by_stars": f.valid_by_stars,
                                "years": f.years.iter().map(|y| serde_json::json!({
                                    "year": y.year, "products": y.products, "first": y.first,
                                    "again": y.again, "by_stars": y.by_stars,
                                })).collect::<Vec<_>>(),
                            })
                        );
                    } else {
                        outln!(
                            "OCOP ngày {}: {} sản phẩm còn hiệu lực (3 sao {}, 4 sao {}, 5 sao {}); lũy kế {} sản phẩm đã từng được công nhận.",
                            today.format("%d/%m/%Y"),
                            f.valid,
                            f.valid_by_stars[0],
                            f.valid_by_stars[1],
                            f.valid_by_stars[2],
                            f.cumulative
                        );
                        for y in f.years.iter().rev() {
                            outln!(
                                "  {}: {} sản phẩm ({} lần đầu, {} đánh giá lại), 3 sao {}, 4 sao {}, 5 sao {}",
                                y.year,
                                y.products,
                                y.first,
                                y.again,
                                y.by_stars[0],
                                y.by_stars[1],
                                y.by_stars[2]
                            );
                        }
                    }
                }
                OcopCommand::SupportImport { file, dry_run } => {
                    let bytes = std::fs::read(file)
                        .with_context(|| format!("không đọc được {}", file.display()))?;
                    let lines = ntm_app::ocop::support_of(&bytes, &book)
                        .map_err(|p| anyhow::Error::from(ntm_app::AppError::Invalid(p)))?;
                    let plan = ntm_app::ocop::support_preview(&lines, &book)?;
                    let (new, changed, unchanged) = if *dry_run {
                        (plan.new.len(), plan.changed.len(), plan.unchanged)
                    } else {
                        store
                            .import_support(
                                &lines,
                                &audit(&args, format!("import {}", file.display())),
                            )
                            .await?
                    };
                    outln!(
                        "{}{new} khoản mới, {changed} khoản thay đổi, {unchanged} không đổi.",
                        if *dry_run {
                            "Xem trước (chưa ghi): "
                        } else {
                            "Đã ghi: "
                        }
                    );
                }
                OcopCommand::ConditionsImport { file } => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("không đọc được {}", file.display()))?;
                    let conditions = ntm_app::ocop::parse_conditions(&text)
                        .map_err(|p| anyhow::Error::from(ntm_app::AppError::Invalid(p)))?;
                    let n = store
                        .put_conditions(
                            &conditions,
                            &audit(&args, format!("import {}", file.display())),
                        )
                        .await?;
                    outln!("Đã nạp {n} tiêu chí bắt buộc.");
                }
            }
            Ok(())
        }
        Command::Funds { command } => funds(&args, store, command).await,
        Command::BenchData { command } => match command {
            BenchCommand::Units { .. } | BenchCommand::ReadXlsx { .. } => {
                unreachable!("handled before opening the store")
            }
            BenchCommand::Template {
                year,
                seed,
                province,
                output,
            } => crate::bench::template(store, *year, *seed, province.as_deref(), output).await,
            BenchCommand::Values { year, seed, output } => {
                crate::bench::values(store, *year, *seed, output).await
            }
            BenchCommand::Approve { year } => {
                crate::bench::approve(
                    store,
                    *year,
                    &audit(&args, "bench-data: duyệt số liệu mô phỏng"),
                )
                .await
            }
            BenchCommand::Evaluate { year, runs } => {
                crate::bench::evaluate(store, *year, *runs).await
            }
        },
        Command::Tasks { command } => {
            let registry = ntm_app::units::load_registry(store).await?;
            let office = office_actor(&args, &registry);
            let now = clock.now();
            match command {
                TasksCommand::List { directive } => {
                    let tasks =
                        ntm_app::tasks::visible_tasks(store, &registry, &office, *directive, now)
                            .await?;
                    output::tasks(&tasks, args.json)
                }
                TasksCommand::Compile {
                    directive,
                    from,
                    to,
                    output,
                } => {
                    let window = match (from, to) {
                        (Some(from), Some(to)) if to < from => {
                            anyhow::bail!("ngày kết thúc kỳ phải sau ngày bắt đầu")
                        }
                        (Some(from), Some(to)) => Some(ntm_app::tasks::Window {
                            from: *from,
                            to: *to,
                        }),
                        _ => None,
                    };
                    let c = ntm_app::tasks::compile_in(
                        store, &registry, &office, *directive, window, now,
                    )
                    .await?;
                    if let Some(path) = output {
                        let labels = store
                            .list_directives()
                            .await?
                            .into_iter()
                            .map(|d| (d.id, format!("{} {}", d.kind, d.number)))
                            .collect();
                        let title = match window {
                            Some(w) => format!(
                                "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ ĐƯỢC GIAO TỪ NGÀY {} ĐẾN NGÀY {}",
                                w.from.format("%d/%m/%Y"),
                                w.to.format("%d/%m/%Y")
                            ),
                            None => "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ".to_owned(),
                        };
                        let bytes =
                            ntm_app::tasks::compilation_workbook(&c, &title, vec![], &labels)?;
                        std::fs::write(path, bytes)
                            .with_context(|| format!("không ghi được {}", path.display()))?;
                    }
                    output::compilation(&c, args.json)
                }
                TasksCommand::Urge { lead, output } => {
                    let orgs = store.list_organisations().await?;
                    let today = ntm_core::task::local_date(now);
                    let lead = ntm_app::tasks::resolve_assignee(&registry, &orgs, lead, today)
                        .map_err(anyhow::Error::msg)?;
                    let draft =
                        ntm_app::tasks::urging_letter(store, &registry, &office, &lead, now)
                            .await?;
                    let path = output
                        .clone()
                        .unwrap_or_else(|| draft.file_name.clone().into());
                    std::fs::write(&path, draft.docx()?)
                        .with_context(|| format!("không ghi được {}", path.display()))?;
                    outln!("Đã soạn văn bản đôn đốc: {}", path.display());
                    Ok(())
                }
            }
        }
        Command::Remind {
            within_days,
            smtp,
            base_url,
            ocop_alert_days,
        } => {
            // Read the SMTP settings first: a wrong URL should fail before anything is
            // recorded, not after the reminders.
            let mailer = smtp
                .as_deref()
                .filter(|u| !u.trim().is_empty())
                .map(crate::mail::Smtp::from_url)
                .transpose()?;
            let registry = ntm_app::units::load_registry(store).await?;
            let now = clock.now();
            let r = ntm_app::tasks::remind(store, &registry, now, *within_days).await?;
            let o = ntm_app::ocop::remind(store, &registry, now, &ocop_alert_days.0).await?;
            let digests = match &mailer {
                Some(m) => Some(ntm_app::mail::send_digests(store, m, base_url, now).await?),
                None => None,
            };
            if args.json {
                outln!(
                    "{}",
                    serde_json::json!({
                        "due_soon": r.due_soon, "overdue": r.overdue, "notifications": r.notifications,
                        "ocop_certificates": o.certificates, "ocop_notifications": o.notifications,
                        "emails": digests.as_ref().map(|d| serde_json::json!({
                            "sent": d.mails, "notifications": d.notifications,
                            "failures": d.failures.iter().map(|(u, e)| serde_json::json!({"user": u, "error": e})).collect::<Vec<_>>(),
                        })),
                    })
                );
            } else {
                outln!(
                    "Nhắc việc: {} nhiệm vụ sắp đến hạn, {} nhiệm vụ quá hạn; {} thông báo mới.",
                    r.due_soon,
                    r.overdue,
                    r.notifications
                );
                outln!(
                    "OCOP: {} giấy chứng nhận sắp hết hạn được nhắc; {} thông báo mới.",
                    o.certificates,
                    o.notifications
                );
                match &digests {
                    Some(d) => {
                        outln!(
                            "Thư tổng hợp: đã gửi {} thư ({} thông báo).",
                            d.mails,
                            d.notifications
                        );
                        for (user, e) in &d.failures {
                            outln!("  Không gửi được cho {user}: {e} (sẽ gửi lại lần sau)");
                        }
                    }
                    None => outln!("Chưa cấu hình máy chủ thư (NTM_SMTP_URL): không gửi thư."),
                }
            }
            if digests.is_some_and(|d| !d.failures.is_empty()) {
                anyhow::bail!("một số thư tổng hợp chưa gửi được");
            }
            Ok(())
        }
        Command::Demo { year } => {
            let report = ntm_app::demo::build(store, &audit(&args, "ntm demo")).await?;
            let ws = Workspace::load(store, None, Basis::Approved).await?;
            let summary = ntm_app::summary::summary(&ws, *year, None, Some(&ws), None)?;
            output::demo(&report, &summary, args.json)
        }
        Command::Units(u) => match &u.command {
            Some(UnitsCommand::Import { manifest }) => {
                let text = std::fs::read_to_string(manifest)
                    .with_context(|| format!("không đọc được {}", manifest.display()))?;
                let dir = manifest.parent().map(PathBuf::from).unwrap_or_default();
                let read =
                    |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string());
                let built = ntm_app::units::build_from_manifest(
                    &manifest.display().to_string(),
                    &text,
                    &read,
                )?;
                let n = built.units.len();
                let summary = ntm_app::units::import_units(
                    store,
                    built,
                    &audit(&args, format!("import {}", manifest.display())),
                )
                .await?;
                output::write_summary(&format!("{n} đơn vị"), &summary, args.json)
            }
            Some(UnitsCommand::VillagesImport { file, dry_run }) => {
                let bytes = std::fs::read(file)
                    .with_context(|| format!("không đọc được {}", file.display()))?;
                let sheets = ntm_app::villages::read_file(&bytes)
                    .map_err(|p| anyhow::Error::from(ntm_app::AppError::Invalid(p)))?;
                let registry = ntm_app::units::load_registry(store).await?;
                let today = ntm_core::task::local_date(args.clock().now());
                let (batch, plan) =
                    ntm_app::villages::preview(store, &registry, None, &sheets, today).await?;
                let (new, changed, unchanged) = if *dry_run {
                    let new = plan.villages.iter().filter(|c| c.before.is_none()).count()
                        + plan
                            .gardens
                            .iter()
                            .filter(|(c, _)| c.before.is_none())
                            .count();
                    let all = plan.villages.len() + plan.gardens.len();
                    (new, all - new, plan.unchanged)
                } else {
                    ntm_app::villages::confirm(
                        store,
                        &batch,
                        &audit(&args, format!("import {}", file.display())),
                    )
                    .await?
                };
                if args.json {
                    outln!(
                        "{}",
                        serde_json::json!({"dry_run": dry_run, "new": new, "changed": changed, "unchanged": unchanged})
                    );
                } else {
                    outln!(
                        "Sổ thôn{}: {new} dòng mới, {changed} dòng thay đổi, {unchanged} dòng không đổi.",
                        if *dry_run {
                            " (chạy thử, chưa ghi)"
                        } else {
                            ""
                        }
                    );
                }
                Ok(())
            }
            Some(UnitsCommand::VillagesExport { output }) => {
                let registry = ntm_app::units::load_registry(store).await?;
                let book = store.village_book().await?;
                let bytes = ntm_app::villages::workbook(&registry, &book, |_| true)?;
                std::fs::write(output, bytes)
                    .with_context(|| format!("không ghi được {}", output.display()))?;
                outln!(
                    "Đã ghi {} thôn và {} vườn vào {}.",
                    book.villages.len(),
                    book.gardens.len(),
                    output.display()
                );
                Ok(())
            }
            Some(UnitsCommand::SetAttribute {
                unit,
                key,
                value,
                from,
                source,
            }) => {
                let registry = ntm_app::units::load_registry(store).await?;
                let change =
                    ntm_app::units::attribute_change(&registry, unit, key, value, *from, source)
                        .map_err(|m| anyhow::anyhow!(m))?;
                let changes = [change];
                let summary = ntm_app::units::set_attributes_as_operator(
                    store,
                    &registry,
                    &changes,
                    &audit(&args, "ntm units set-attribute"),
                )
                .await?;
                output::write_summary("thuộc tính đơn vị", &summary, args.json)
            }
            Some(UnitsCommand::Attributes { file }) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("không đọc được {}", file.display()))?;
                let registry = ntm_app::units::load_registry(store).await?;
                let changes = ntm_app::units::read_attribute_changes(&registry, &text)
                    .map_err(|p| anyhow::anyhow!("{}:\n  {}", file.display(), p.join("\n  ")))?;
                let summary = ntm_app::units::set_attributes_as_operator(
                    store,
                    &registry,
                    &changes,
                    &audit(&args, "ntm units attributes"),
                )
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                output::write_summary("thuộc tính đơn vị", &summary, args.json)
            }
            Some(UnitsCommand::Lineage { code, year }) => {
                let registry = ntm_app::units::load_registry(store).await?;
                let unit = match year {
                    Some(y) => registry.resolve_in_year(code, *y)?,
                    None => match ntm_core::UnitId::parse(code) {
                        Some(id) => registry
                            .get(&id)
                            .with_context(|| format!("không có đơn vị {id}"))?,
                        None => {
                            let all = registry.with_code(code);
                            match all.as_slice() {
                                [] => bail!("không có đơn vị nào mang mã {code}"),
                                [one] => *one,
                                many => bail!(
                                    "mã {code} được dùng cho {} đơn vị ({}); thêm --year hoặc dùng mã đầy đủ",
                                    many.len(),
                                    many.iter()
                                        .map(|u| format!("{} = {}", u.id, u.latest().name))
                                        .collect::<Vec<_>>()
                                        .join("; ")
                                ),
                            }
                        }
                    },
                };
                output::lineage(&registry, unit, args.json)
            }
            None => {
                let registry = ntm_app::units::load_registry(store).await?;
                let date = u.as_of.unwrap_or_else(|| clock.now().date_naive());
                let mut views = match &u.parent {
                    None => registry.as_of(date),
                    Some(p) => {
                        let parent = registry
                            .as_of(date)
                            .into_iter()
                            .find(|v| v.unit.code == *p || v.id().as_str() == p)
                            .with_context(|| {
                                format!(
                                    "không có đơn vị mã {p} vào ngày {}",
                                    date.format("%d/%m/%Y")
                                )
                            })?
                            .id()
                            .clone();
                        registry.subtree_on(&parent, date)
                    }
                };
                if let Some(level) = &u.level {
                    let level = UnitLevel::parse(level).expect("clap checks the values");
                    views.retain(|v| v.unit.level == level);
                }
                if let Some(q) = &u.search {
                    views.retain(|v| ntm_core::text::matches(v.name(), q));
                }
                output::units(&views, date, args.json)
            }
        },
        Command::Criteria { command } => match command {
            CriteriaCommand::List => output::criteria_list(
                &store.list_criteria_sets().await?,
                &ntm_app::criteria::load(store).await?,
                args.json,
            ),
            CriteriaCommand::Show { id } => {
                let catalogue = ntm_app::criteria::load(store).await?;
                let set = catalogue.get(&SetId(id.clone())).with_context(|| {
                    format!("không có bộ tiêu chí “{id}”; xem ntm criteria list")
                })?;
                output::criteria_show(set, args.json)
            }
            CriteriaCommand::Import { files, shipped } => {
                let mut all = read_files(files)?;
                if *shipped {
                    all.splice(0..0, ntm_data::shipped::criteria_files());
                }
                let outcomes =
                    ntm_app::criteria::import(store, &all, &audit(&args, "ntm criteria import"))
                        .await?;
                output::criteria_imported(&outcomes, args.json)
            }
            CriteriaCommand::Table { id, output: out } => {
                let catalogue = ntm_app::criteria::load(store).await?;
                let set = catalogue
                    .get(&ntm_core::criteria::SetId(id.clone()))
                    .ok_or_else(|| anyhow::anyhow!("không có bộ tiêu chí “{id}”"))?;
                let bytes = ntm_app::set_editor::table_xlsx(set)?;
                std::fs::write(out, bytes)
                    .with_context(|| format!("không ghi được {}", out.display()))?;
                outln!("Đã ghi bảng của bộ {id} vào {}", out.display());
                Ok(())
            }
            CriteriaCommand::ImportTable {
                id,
                file,
                dry_run,
                yes,
            } => {
                let bytes = std::fs::read(file)
                    .with_context(|| format!("không đọc được {}", file.display()))?;
                let preview =
                    ntm_app::set_editor::preview_table_as_operator(store, id, &bytes).await?;
                for c in &preview.changes {
                    outln!("  {}", c.text);
                }
                outln!(
                    "{} thay đổi; {} chỉ tiêu giữ nguyên.",
                    preview.changes.len(),
                    preview.unchanged
                );
                if *dry_run || preview.changes.is_empty() {
                    eprintln!("Chưa ghi gì.");
                    return Ok(());
                }
                if !*yes {
                    use std::io::IsTerminal as _;
                    if !std::io::stdin().is_terminal() {
                        bail!("chưa ghi gì: thêm --yes để ghi khi chạy không có người xác nhận");
                    }
                    eprint!("Lưu thành phiên bản mới của {id}? [c/K] ");
                    let mut answer = String::new();
                    std::io::stdin().read_line(&mut answer)?;
                    if !matches!(
                        answer.trim().to_lowercase().as_str(),
                        "c" | "co" | "có" | "y" | "yes"
                    ) {
                        eprintln!("Không ghi gì.");
                        return Ok(());
                    }
                }
                let outcome = ntm_app::set_editor::confirm_table_as_operator(
                    store,
                    (id, preview.version),
                    &preview.text,
                    &audit(
                        &args,
                        format!("ntm criteria import-table {}", file.display()),
                    ),
                )
                .await?;
                output::criteria_imported(&[(id.clone(), outcome)], args.json)
            }
            CriteriaCommand::Check { .. } => unreachable!("handled before opening the store"),
        },
        Command::Values { command } => match command {
            ValuesCommand::Import {
                file,
                dry_run,
                yes,
                skip_locked,
            } => {
                let started = std::time::Instant::now();
                eprintln!("Đang đọc {}…", file.display());
                let bytes = std::fs::read(file)
                    .with_context(|| format!("không đọc được {}", file.display()))?;
                let rows = ntm_app::values::read_file(&file.to_string_lossy(), &bytes)
                    .map_err(ntm_app::AppError::Invalid)?;
                eprintln!(
                    "Đã đọc {} dòng số liệu ({} ms); đang kiểm tra…",
                    rows.len(),
                    started.elapsed().as_millis()
                );
                let registry = ntm_app::units::load_registry(store).await?;
                let catalogue = ntm_app::criteria::load(store).await?;
                let preview =
                    ntm_app::imports::preview(store, &registry, &catalogue, None, &rows).await?;
                output::preview(&preview, args.json)?;
                if *dry_run {
                    eprintln!("Chưa ghi gì (--dry-run).");
                    return Ok(());
                }
                if !preview.refused.is_empty() && !*skip_locked {
                    bail!(
                        "chưa ghi gì: {} đơn vị-năm đã gửi duyệt hoặc đã khóa ({}); thêm --skip-locked để bỏ qua chúng và ghi phần còn lại",
                        preview.refused.len(),
                        preview
                            .refused
                            .iter()
                            .take(5)
                            .map(|r| format!("{} năm {}", r.unit_name, r.year))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                if preview.new.is_empty() && preview.changed.is_empty() {
                    return output::write_summary(
                        "giá trị",
                        &ntm_store::WriteSummary {
                            unchanged: preview.unchanged,
                            ..Default::default()
                        },
                        args.json,
                    );
                }
                if !*yes {
                    use std::io::IsTerminal as _;
                    if !std::io::stdin().is_terminal() {
                        bail!("chưa ghi gì: thêm --yes để ghi khi chạy không có người xác nhận");
                    }
                    eprint!(
                        "Ghi {} giá trị mới và {} giá trị thay đổi? [c/K] ",
                        preview.new.len(),
                        preview.changed.len()
                    );
                    let mut answer = String::new();
                    std::io::stdin().read_line(&mut answer)?;
                    if !matches!(
                        answer.trim().to_lowercase().as_str(),
                        "c" | "co" | "có" | "y" | "yes"
                    ) {
                        eprintln!("Không ghi gì.");
                        return Ok(());
                    }
                }
                eprintln!(
                    "Đang ghi {} giá trị trong một giao dịch…",
                    preview.writes.len()
                );
                let summary = ntm_app::imports::confirm(
                    store,
                    &preview,
                    &audit(&args, format!("import {}", file.display())),
                )
                .await?;
                eprintln!("Xong sau {} ms.", started.elapsed().as_millis());
                output::write_summary("giá trị", &summary, args.json)
            }
            ValuesCommand::Export { year, output: out } => {
                let csv = ntm_app::values::export(store, *year).await?;
                match out {
                    Some(path)
                        if path
                            .extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) =>
                    {
                        let bytes = ntm_app::values::export_xlsx(store, *year).await?;
                        std::fs::write(path, bytes)
                            .with_context(|| format!("không ghi được {}", path.display()))?;
                    }
                    Some(path) => std::fs::write(path, csv)
                        .with_context(|| format!("không ghi được {}", path.display()))?,
                    None => out!("{csv}"),
                }
                Ok(())
            }
        },
        Command::Evaluate {
            unit,
            year,
            set,
            unapproved,
        } => {
            let ws = Workspace::load(store, Some(*year), basis(*unapproved)).await?;
            let id = ws.registry.resolve_in_year(unit, *year)?.id.clone();
            let set = set.clone().map(SetId);
            let e = ws.evaluate(&id, *year, set.as_ref())?;
            output::evaluation(&e, args.json)
        }
        Command::Summary {
            year,
            set,
            unapproved,
            as_of,
        } => {
            if let Some(d) = as_of
                && chrono::Datelike::year(d) != *year
            {
                anyhow::bail!("ngày {d} không thuộc năm {year}");
            }
            let ws = Workspace::load(store, Some(*year), basis(*unapproved))
                .await?
                .on_tree_of(*as_of);
            let prev = Workspace::load(store, Some(year - 1), basis(*unapproved)).await?;
            let set = set.clone().map(SetId);
            // One summary per province: a database holding two never adds them up.
            let summaries =
                ntm_app::summary::by_province(&ws, *year, set.as_ref(), Some(&prev), None)?;
            output::summaries(&summaries, args.json)
        }
        Command::Audit {
            unit,
            action,
            limit,
        } => {
            let filter = ntm_store::AuditFilter {
                unit_id: unit.clone(),
                action: action.clone(),
                limit: Some(*limit),
                ..Default::default()
            };
            output::audit(&store.list_audit(&filter).await?, args.json)
        }
        Command::Migrate | Command::Backup { .. } | Command::Healthcheck | Command::Copy { .. } => {
            unreachable!("handled before")
        }
    }
}

/// `ntm funds …`: sponsorships, the funding report and a funds import, for the office.
async fn funds(
    args: &Args,
    store: &dyn ntm_store::Store,
    command: &FundsCommand,
) -> anyhow::Result<()> {
    use ntm_app::resources as app;
    let ws = ntm_app::evaluate::Workspace::load(store, Some(0), ntm_app::evaluate::Basis::Approved)
        .await?;
    let registry = &ws.registry;
    let office = office_actor(args, registry);
    let now = args.clock().now();
    let today = ntm_core::task::local_date(now);
    let book = store.resource_book().await?;
    let money = |d: rust_decimal::Decimal| ntm_core::text::vi_number(d.round_dp(0));
    match command {
        FundsCommand::Sponsors => {
            let st = app::Standing {
                organisations: vec![],
                manage: true,
            };
            let names = app::Names::load(store).await?;
            let lines = app::sponsor_lines(
                &book,
                &names,
                registry,
                &office,
                &st,
                &app::SponsorFilter::default(),
                today,
            );
            if args.json {
                let rows: Vec<serde_json::Value> = lines
                    .iter()
                    .map(|l| {
                        serde_json::json!({
                            "id": l.sponsorship.id, "organisation": l.organisation,
                            "unit": l.sponsorship.unit.to_string(), "unit_name": l.unit_name,
                            "now": l.now.as_ref().map(|(u, _)| u.to_string()),
                            "committed": l.ledger.committed.to_string(),
                            "confirmed": l.ledger.confirmed.to_string(),
                            "pending": l.ledger.pending.to_string(),
                            "gap": l.ledger.gap().to_string(),
                        })
                    })
                    .collect();
                outln!("{}", serde_json::Value::Array(rows));
            } else {
                for l in &lines {
                    outln!(
                        "#{} {} — {}{}: cam kết {}, đã xác nhận {}, chờ xác nhận {}, còn thiếu {} đồng",
                        l.sponsorship.id,
                        l.organisation,
                        l.unit_name,
                        l.now
                            .as_ref()
                            .map(|(_, n)| format!(" (nay {n})"))
                            .unwrap_or_default(),
                        money(l.ledger.committed),
                        money(l.ledger.confirmed),
                        money(l.ledger.pending),
                        money(l.ledger.gap())
                    );
                }
                let t = app::total(&lines);
                outln!(
                    "{} đỡ đầu: cam kết {}, đã xác nhận {}, còn thiếu {} đồng.",
                    lines.len(),
                    money(t.committed),
                    money(t.confirmed),
                    money(t.gap())
                );
            }
        }
        FundsCommand::Report {
            from,
            to,
            recorded,
            output,
        } => {
            let to = to.unwrap_or_else(|| chrono::Datelike::year(&today));
            let tree = if *recorded {
                app::Tree::Recorded
            } else {
                app::Tree::On(today)
            };
            let r = app::funding(&ws.catalogue, registry, &office, &book, (*from, to), tree);
            if let Some(output) = output {
                let bytes = app::funding_workbook(&r, today)?;
                std::fs::write(output, bytes)
                    .with_context(|| format!("không ghi được {}", output.display()))?;
                outln!("Đã ghi báo cáo nguồn lực: {}", output.display());
            } else if args.json {
                outln!(
                    "{}",
                    serde_json::json!({
                        "from": from, "to": to, "tree": tree.label_vi(), "lines": r.lines,
                        "inherited": r.inherited, "divided": r.divided,
                        "planned": r.total.total.planned.to_string(),
                        "actual": r.total.total.actual.to_string(),
                        "by_source": r.by_source.iter().map(|(s, row)| serde_json::json!({
                            "source": s.as_str(), "planned": row.total.planned.to_string(),
                            "actual": row.total.actual.to_string(),
                        })).collect::<Vec<_>>(),
                    })
                );
            } else {
                outln!("{}", tree.label_vi());
                for (s, row) in &r.by_source {
                    outln!(
                        "  {}: kế hoạch {}, thực hiện {} đồng",
                        s.label_vi(),
                        money(row.total.planned),
                        money(row.total.actual)
                    );
                }
                outln!(
                    "Tổng {from}–{to}: kế hoạch {}, thực hiện {} đồng ({} khoản; {} của đơn vị trước sắp xếp, {} chia cho nhiều đơn vị).",
                    money(r.total.total.planned),
                    money(r.total.total.actual),
                    r.lines,
                    r.inherited,
                    r.divided
                );
            }
        }
        FundsCommand::Import { file, dry_run } => {
            let bytes = std::fs::read(file)
                .with_context(|| format!("không đọc được {}", file.display()))?;
            let lines = app::funds_of(&bytes, registry, &ws.catalogue)
                .map_err(|p| anyhow::Error::from(ntm_app::AppError::Invalid(p)))?;
            let plan = app::funds_preview(registry, &office, &lines, &book, today)?;
            let (new, changed, unchanged) = if *dry_run {
                (plan.new.len(), plan.changed.len(), plan.unchanged)
            } else {
                app::import_funds(
                    store,
                    registry,
                    &office,
                    &lines,
                    (today, now),
                    &format!("import {}", file.display()),
                )
                .await?
            };
            outln!(
                "{}{new} khoản mới, {changed} khoản thay đổi, {unchanged} không đổi.",
                if *dry_run {
                    "Xem trước (chưa ghi): "
                } else {
                    "Đã ghi: "
                }
            );
        }
    }
    Ok(())
}

/// The command line acts for the office: an administrator of every province in the store.
fn office_actor(args: &Args, registry: &ntm_core::UnitRegistry) -> ntm_app::accounts::Actor {
    let today = args.clock().now().date_naive();
    let grants = registry
        .roots_on(today)
        .into_iter()
        .map(|r| ntm_core::access::Grant::new(ntm_core::access::Role::Admin, r.id().clone()))
        .collect();
    let name = args.actor.clone().unwrap_or_else(|| "cli".into());
    ntm_app::accounts::Actor {
        user_id: 0,
        username: name.clone(),
        full_name: name,
        grants,
    }
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("NTM_PASSWORD") {
        return Ok(p);
    }
    eprint!("Mật khẩu: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("không đọc được mật khẩu")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

async fn user(
    args: &Args,
    store: &dyn ntm_store::Store,
    command: &UserCommand,
) -> anyhow::Result<()> {
    let find = |name: &str| {
        let name = name.to_owned();
        async move {
            store
                .find_user(&name.to_lowercase())
                .await?
                .with_context(|| format!("không có người dùng “{name}”"))
        }
    };
    match command {
        UserCommand::Add {
            username,
            name,
            grant,
            year,
            email,
        } => {
            let registry = ntm_app::units::load_registry(store).await?;
            let grants = grant
                .iter()
                .map(|g| ntm_app::accounts::parse_grant(&registry, g, *year))
                .collect::<Result<Vec<_>, _>>()?;
            let password = read_password()?;
            let account = ntm_app::accounts::NewAccount {
                username: username.clone(),
                full_name: name.clone(),
                password,
                grants,
                email: email.clone(),
            };
            let id = ntm_app::accounts::add_account(
                store,
                &ntm_app::accounts::InPlace,
                &registry,
                &office_actor(args, &registry),
                account,
                &audit(args, "ntm user add"),
            )
            .await?;
            outln!("Đã tạo người dùng {username} (id {id}).");
        }
        UserCommand::Grant {
            username,
            grant,
            year,
            no_follow,
        } => {
            let registry = ntm_app::units::load_registry(store).await?;
            let user = find(username).await?;
            let mut g = ntm_app::accounts::parse_grant(&registry, grant, *year)?;
            g.follows_successors = !*no_follow;
            let now = ntm_app::accounts::change_grants_as_operator(
                store,
                &registry,
                user.id,
                ntm_app::accounts::GrantChange::Add(g),
                &audit(args, "ntm user grant"),
            )
            .await?;
            for line in ntm_app::accounts::grant_lines(&registry, &now) {
                outln!("{}", line.text());
            }
        }
        UserCommand::Revoke {
            username,
            grant,
            year,
        } => {
            let registry = ntm_app::units::load_registry(store).await?;
            let user = find(username).await?;
            let g = ntm_app::accounts::parse_grant(&registry, grant, *year)?;
            let now = ntm_app::accounts::change_grants_as_operator(
                store,
                &registry,
                user.id,
                ntm_app::accounts::GrantChange::Remove {
                    role: g.role,
                    unit: g.unit,
                },
                &audit(args, "ntm user revoke"),
            )
            .await?;
            if now.is_empty() {
                outln!("{username} không còn quyền nào.");
            }
            for line in ntm_app::accounts::grant_lines(&registry, &now) {
                outln!("{}", line.text());
            }
        }
        UserCommand::SetEmail { username, email } => {
            let user = find(username).await?;
            ntm_app::accounts::set_email(store, user.id, email, &audit(args, "ntm user set-email"))
                .await?;
            if email.trim().is_empty() {
                outln!("Đã bỏ địa chỉ thư của {username}.");
            } else {
                outln!("Thư tổng hợp của {username} sẽ gửi tới {}.", email.trim());
            }
        }
        UserCommand::List => {
            let registry = ntm_app::units::load_registry(store).await?;
            let users = store.list_users().await?;
            let mut rows = Vec::new();
            for u in users {
                let grants = store.list_grants(u.id).await?;
                rows.push((u, grants));
            }
            if args.json {
                let v: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(u, g)| serde_json::json!({"id": u.id, "username": u.username, "name": u.full_name, "disabled": u.disabled,
                        "grants": g.iter().map(|g| serde_json::json!({"role": g.role, "unit": g.unit_id.as_str(), "follows_successors": g.follows_successors})).collect::<Vec<_>>()}))
                    .collect();
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for (u, g) in rows {
                    let grants: Vec<String> = g
                        .iter()
                        .map(|g| {
                            format!(
                                "{}:{} ({}){}",
                                g.role,
                                g.unit_id,
                                registry
                                    .get(&g.unit_id)
                                    .map(|u| u.latest().name.as_str())
                                    .unwrap_or("?"),
                                if g.follows_successors {
                                    ""
                                } else {
                                    ", không chuyển sang đơn vị kế thừa"
                                }
                            )
                        })
                        .collect();
                    outln!(
                        "{:<14} {:<30} {}{}",
                        u.username,
                        u.full_name,
                        grants.join(", "),
                        if u.disabled { " [đã khóa]" } else { "" }
                    );
                }
            }
        }
        UserCommand::Disable { username } | UserCommand::Enable { username } => {
            let disable = matches!(command, UserCommand::Disable { .. });
            let u = find(username).await?;
            let registry = ntm_app::units::load_registry(store).await?;
            ntm_app::accounts::set_account_disabled(
                store,
                &registry,
                &office_actor(args, &registry),
                u.id,
                disable,
                &audit(
                    args,
                    if disable {
                        "ntm user disable"
                    } else {
                        "ntm user enable"
                    },
                ),
            )
            .await?;
            outln!(
                "{} {username}.",
                if disable {
                    "Đã khóa"
                } else {
                    "Đã mở khóa"
                }
            );
        }
        UserCommand::ResetPassword { username } => {
            let u = find(username).await?;
            let password = read_password()?;
            let registry = ntm_app::units::load_registry(store).await?;
            ntm_app::accounts::reset_password(
                store,
                &ntm_app::accounts::InPlace,
                &registry,
                &office_actor(args, &registry),
                u.id,
                &password,
                &audit(args, "ntm user reset-password"),
            )
            .await?;
            outln!("Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập cũ đã kết thúc.");
        }
    }
    Ok(())
}

/// The values a command reads: approved only unless `--unapproved`.
fn basis(unapproved: bool) -> Basis {
    if unapproved {
        Basis::Current
    } else {
        Basis::Approved
    }
}

/// The days of the OCOP expiry alerts, as given ("90,30").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDays(pub Vec<u32>);

fn parse_alert_days(text: &str) -> Result<AlertDays, String> {
    ntm_core::ocop::parse_alert_days(text).map(AlertDays)
}
