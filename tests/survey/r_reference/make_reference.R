# make_reference.R -- R reference values for egn_analytics.survey
#
# What it is
#   Generates the fixtures against which the Python design-based survey engine
#   (egn_analytics.survey) is tested: the textbook data sets of the R package
#   `survey` (data(api), data(scd)) exported to CSV, and `reference.csv`, one row
#   per reference value (estimate, SE, confidence bounds, design effect, degrees
#   of freedom, replicate scales) computed by R `survey` on designs built from the
#   *exported CSV files read back*, so that Python and R see byte-identical data.
#
# Versions used to produce the committed files
#   R 4.2.2 Patched (2022-11-10 r83330), survey 4.1-1 (Debian packages).
#   The script stops if the survey version differs (set EGN_ALLOW_OTHER_SURVEY=1
#   to override, then review the diff of reference.csv).
#
# How to rerun (from the repository root):
#   Rscript tests/survey/r_reference/make_reference.R
#   It is deterministic (no random numbers): rerunning rewrites identical files.
#
# Output (all in tests/survey/r_reference/):
#   apistrat.csv apiclus1.csv apiclus2.csv apistrat_na.csv apistrat_lonely.csv
#   scd.csv clus1_jk1_repweights.csv clus1_calibrated_weights.csv clus1_greg_weights.csv
#   nhanes.csv fpc.csv mu284.csv hospital.csv nhanes_jkn_factors.csv reference.csv
#   See README.md for the column layout and the R behaviours to copy.

options(survey.lonely.psu = "fail")
options(stringsAsFactors = FALSE, warn = 1)
suppressPackageStartupMessages(library(survey))

if (as.character(packageVersion("survey")) != "4.1.1" &&
    Sys.getenv("EGN_ALLOW_OTHER_SURVEY") != "1") {
  stop("expected survey 4.1-1, found ", packageVersion("survey"))
}

out <- file.path("tests", "survey", "r_reference")
if (!dir.exists(out)) stop("run from the repository root (", out, " not found)")
outf <- function(f) file.path(out, f)

# Warnings raised by R while computing the references are collected here and
# printed at the end (they are documented in README.md).
collected_warnings <- character(0)
withW <- function(expr, label) {
  withCallingHandlers(expr, warning = function(w) {
    collected_warnings <<- c(collected_warnings,
                             paste0(label, ": ", conditionMessage(w)))
    invokeRestart("muffleWarning")
  })
}

# ---------------------------------------------------------------------------
# 1. Data export
# ---------------------------------------------------------------------------
data(api)
data(scd)

keep <- c("cds", "stype", "sch.wide", "comp.imp", "both", "awards", "meals",
          "ell", "yr.rnd", "mobility", "enroll", "api.stu", "api00", "api99",
          "target", "avg.ed", "full", "emer", "dnum", "snum", "pw")

prep <- function(d, extra) {
  d <- d[, c(keep, extra)]
  names(d) <- gsub(".", "_", names(d), fixed = TRUE)
  d$cds <- as.character(d$cds)
  for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- as.character(d[[v]])
  rownames(d) <- NULL
  d
}
wcsv <- function(d, f) write.csv(d, outf(f), row.names = FALSE, na = "",
                                 fileEncoding = "UTF-8")

apistrat_x <- prep(apistrat, "fpc")
apiclus1_x <- prep(apiclus1, "fpc")
apiclus2_x <- prep(apiclus2, c("fpc1", "fpc2"))   # apiclus2 has no `fpc` column
wcsv(apistrat_x, "apistrat.csv")
wcsv(apiclus1_x, "apiclus1.csv")
wcsv(apiclus2_x, "apiclus2.csv")

apistrat_na_x <- apistrat_x
apistrat_na_x$enroll[c(5, 17, 33)] <- NA
wcsv(apistrat_na_x, "apistrat_na.csv")

lonely_rows <- apistrat_x$stype != "H" |
  seq_len(nrow(apistrat_x)) == which(apistrat_x$stype == "H")[1]
wcsv(apistrat_x[lonely_rows, ], "apistrat_lonely.csv")

# scd: survey 4.1-1 ships columns ESA, ambulance, arrests, alive (there is no
# METHOD column).  Replicate weights of the ?svrepdesign example as rep1..rep4.
repweights_example <- 2 * cbind(c(1, 0, 1, 0, 1, 0), c(1, 0, 0, 1, 0, 1),
                                c(0, 1, 1, 0, 0, 1), c(0, 1, 0, 1, 1, 0))
scd_x <- scd
colnames(repweights_example) <- paste0("rep", 1:4)
scd_x <- cbind(scd_x, repweights_example)
wcsv(scd_x, "scd.csv")

# Read everything back: the designs are built from the files Python will read.
rd <- function(f) {
  d <- read.csv(outf(f), colClasses = c(cds = "character"),
                stringsAsFactors = FALSE, na.strings = "", encoding = "UTF-8")
  d$stype <- factor(d$stype, levels = c("E", "H", "M"))
  d$sch_wide <- factor(d$sch_wide, levels = c("No", "Yes"))
  d
}
apistrat <- rd("apistrat.csv")
apiclus1 <- rd("apiclus1.csv")
apiclus2 <- rd("apiclus2.csv")
apistrat_na <- rd("apistrat_na.csv")
apistrat_lonely <- rd("apistrat_lonely.csv")
scd <- read.csv(outf("scd.csv"), stringsAsFactors = FALSE)
repweights <- as.matrix(scd[, paste0("rep", 1:4)])

# sanity: the round trip only perturbs floating point beyond 15 digits
stopifnot(isTRUE(all.equal(apistrat$pw, apistrat_x$pw, tolerance = 1e-13)),
          identical(apistrat$cds, apistrat_x$cds),
          identical(as.character(apistrat$stype), apistrat_x$stype),
          sum(is.na(apistrat_na$enroll)) == 3,
          sum(is.na(apiclus2$enroll)) == 6,
          sum(is.na(apiclus1$avg_ed)) == 26,
          nrow(apistrat_lonely) == 151,
          all(unname(repweights) == repweights_example))

# ---------------------------------------------------------------------------
# 2. Designs
# ---------------------------------------------------------------------------
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch_wide = c("No", "Yes"), Freq = c(1072, 5122))

strat <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
strat_nofpc <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, data = apistrat)
clus1 <- svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
clus1_nofpc <- svydesign(ids = ~dnum, weights = ~pw, data = apiclus1)
clus2 <- svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
clus2_w <- svydesign(ids = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = apiclus2)
clus2_nofpc <- svydesign(ids = ~dnum + snum, weights = ~pw, data = apiclus2)
strat_na <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat_na)
clus1_ps <- postStratify(clus1, ~stype, pop_stype)
clus1_rake <- withW(rake(clus1, list(~stype, ~sch_wide), list(pop_stype, pop_schwide)),
                    "rake(clus1)")
clus1_jk1 <- as.svrepdesign(clus1, type = "JK1")
clus1_jk1_mse <- as.svrepdesign(clus1, type = "JK1", mse = TRUE)
scd_brr <- withW(svrepdesign(data = scd, type = "BRR", repweights = repweights,
                             combined.weights = FALSE), "svrepdesign(scd)")
strat_lonely <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, data = apistrat_lonely)

design_names <- c("strat", "strat_nofpc", "clus1", "clus1_nofpc", "clus2",
                  "clus2_w", "clus2_nofpc", "strat_na", "clus1_ps", "clus1_rake",
                  "clus1_jk1", "scd_brr", "strat_lonely")

# Replicate weights of clus1_jk1 (analysis weights = pw * jackknife factor).
rw <- weights(clus1_jk1, "analysis")
colnames(rw) <- paste0("rw", seq_len(ncol(rw)))
wcsv(data.frame(cds = apiclus1$cds, rw, check.names = FALSE), "clus1_jk1_repweights.csv")

# Final calibrated weights (helps debugging the Python calibration step).
wcsv(data.frame(cds = apiclus1$cds, pw = weights(clus1),
                w_ps = weights(clus1_ps), w_rake = weights(clus1_rake)),
     "clus1_calibrated_weights.csv")

# ---------------------------------------------------------------------------
# 3. Reference values
# ---------------------------------------------------------------------------
fmt <- function(x) {
  x <- as.numeric(x)
  ifelse(is.na(x) & !is.nan(x), "", ifelse(is.nan(x), "NaN", sprintf("%.15g", x)))
}
rows <- list()
add <- function(case, design, call, statistic, variable, level = "", by = "",
                domain = "", quantile = NA, term = "", estimate = NA, se = NA,
                ci_lower = NA, ci_upper = NA, deff = NA) {
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, design = design, call = call, statistic = statistic,
    variable = variable, level = level, by = by, domain = domain,
    quantile = fmt(quantile), term = term, estimate = fmt(estimate),
    se = fmt(se), ci_lower = fmt(ci_lower), ci_upper = fmt(ci_upper),
    deff = fmt(deff), stringsAsFactors = FALSE)
}
# Evaluate the call text itself, so `call` is exactly what produced the numbers.
run <- function(call) withW(eval(parse(text = call), envir = globalenv()), call)

# level of a coefficient name: "stypeE" -> "E" for factor variables
lvl <- function(names, variable, is_factor)
  if (is_factor) substring(names, nchar(variable) + 1) else rep("", length(names))

factor_vars <- c("stype", "sch_wide")
calibration_margins <- list(clus1_ps = "stype", clus1_rake = c("stype", "sch_wide"))

# svymean / svytotal (svystat objects) ---------------------------------------
do_stat <- function(d, fun, variable, deff = TRUE, na.rm = FALSE) {
  stat <- c(svymean = "mean", svytotal = "total")[[fun]]
  call <- sprintf("%s(~%s, %s%s%s)", fun, variable, d,
                  if (na.rm) ", na.rm=TRUE" else "", if (deff) ", deff=TRUE" else "")
  x <- run(call)
  ci <- confint(x)
  de <- if (deff) { a <- attr(x, "deff"); if (is.matrix(a)) diag(a) else a } else NA
  # Estimates of a calibration margin have a (numerically) zero variance: the
  # SE is rounding noise (1e-17..1e-2, see README) and the deff a ratio of
  # noise, so the deff is left empty for them.
  if (variable %in% calibration_margins[[d]]) de <- NA
  add(sprintf("%s_%s_%s", d, stat, variable), d, call, stat, variable,
      level = lvl(names(coef(x)), variable, variable %in% factor_vars),
      estimate = coef(x), se = SE(x), ci_lower = ci[, 1], ci_upper = ci[, 2],
      deff = de)
  invisible(x)
}

# mean with t-based interval (df = degf(design))
do_mean_t <- function(d, variable = "api00") {
  call <- sprintf("confint(svymean(~%s, %s), df=degf(%s))", variable, d, d)
  x <- run(sprintf("svymean(~%s, %s)", variable, d))
  ci <- run(call)
  add(sprintf("%s_mean_t_%s", d, variable), d, call, "mean_t", variable,
      estimate = coef(x), se = SE(x), ci_lower = ci[, 1], ci_upper = ci[, 2])
}

# svyratio
do_ratio <- function(d, num = "api00", den = "api99") {
  call <- sprintf("svyratio(~%s, ~%s, %s)", num, den, d)
  x <- run(call)
  ci <- confint(x)
  add(sprintf("%s_ratio_%s_%s", d, num, den), d, call, "ratio",
      paste0(num, "/", den), estimate = coef(x), se = SE(x),
      ci_lower = ci[, 1], ci_upper = ci[, 2])
}

# svyby: read the returned data frame positionally.  Layout of a svyby object:
# by columns, nstats estimates, then per requested vartype (in the order se, ci)
# nstats columns (ci: nstats lower then nstats upper), then nstats DEff columns.
# Confidence bounds come from the ci_l/ci_u columns when vartype includes "ci"
# (they are each domain estimator's own confint(), e.g. the Woodruff interval
# for quantiles), otherwise from confint(<svyby>) (normal, coef +- 1.96 SE).
do_by <- function(case, d, call, statistic, variable, by, levels = "",
                  quantile = NA) {
  x <- run(call)
  info <- attr(x, "svyby")
  ns <- info$nstats
  nb <- length(info$margins)
  dom <- as.character(x[[by]])
  est <- as.matrix(x[, nb + seq_len(ns), drop = FALSE])
  pos <- nb + ns
  se <- ci_l <- ci_u <- matrix(NA_real_, nrow(x), ns)
  if ("se" %in% info$vartype) {
    se <- as.matrix(x[, pos + seq_len(ns), drop = FALSE]); pos <- pos + ns
  }
  if ("ci" %in% info$vartype) {
    ci_l <- as.matrix(x[, pos + seq_len(ns), drop = FALSE]); pos <- pos + ns
    ci_u <- as.matrix(x[, pos + seq_len(ns), drop = FALSE]); pos <- pos + ns
  } else {
    ci <- confint(x)   # rows ordered stat-major: all domains of stat 1, ...
    ci_l[] <- ci[, 1]; ci_u[] <- ci[, 2]
  }
  de <- matrix(NA_real_, nrow(x), ns)
  if (isTRUE(info$deffs)) de <- as.matrix(x[, pos + seq_len(ns), drop = FALSE])
  stopifnot(ncol(x) == pos + if (isTRUE(info$deffs)) ns else 0)
  if (identical(levels, "")) levels <- rep("", ns)
  stopifnot(length(levels) == ns)
  # one row per domain (in svyby order) per statistic
  for (i in seq_len(nrow(x))) for (j in seq_len(ns)) {
    add(case, d, call, statistic, variable, level = levels[j], by = by,
        domain = dom[i], quantile = quantile, estimate = est[i, j],
        se = se[i, j], ci_lower = ci_l[i, j], ci_upper = ci_u[i, j],
        deff = de[i, j])
  }
  invisible(x)
}

do_by_set <- function(d) {
  do_by(sprintf("%s_by_mean_api00_stype", d), d,
        sprintf("svyby(~api00, ~stype, %s, svymean, deff=TRUE)", d),
        "mean", "api00", "stype")
  do_by(sprintf("%s_by_total_api00_stype", d), d,
        sprintf("svyby(~api00, ~stype, %s, svytotal)", d),
        "total", "api00", "stype")
  do_by(sprintf("%s_by_mean_sch_wide_stype", d), d,
        sprintf("svyby(~sch_wide, ~stype, %s, svymean)", d),
        "mean", "sch_wide", "stype", levels = c("No", "Yes"))
  do_by(sprintf("%s_by_ratio_api00_api99_stype", d), d,
        sprintf("svyby(~api00, by=~stype, denominator=~api99, design=%s, FUN=svyratio)", d),
        "ratio", "api00/api99", "stype")
}

# svyquantile ---------------------------------------------------------------
do_quant <- function(d, suffix = "", extra = "") {
  call <- sprintf("svyquantile(~api00, %s, c(0.25, 0.5, 0.9), ci=TRUE%s)", d, extra)
  x <- run(call)
  m <- x$api00
  # the SE column is "se" on a survey.design2, "se.97.5" on a replicate design
  stopifnot(identical(colnames(m)[1:3], c("quantile", "ci.2.5", "ci.97.5")),
            startsWith(colnames(m)[4], "se"))
  add(sprintf("%s_quantile_api00%s", d, suffix), d, call, "quantile", "api00",
      quantile = as.numeric(rownames(m)), estimate = m[, "quantile"],
      se = m[, 4], ci_lower = m[, "ci.2.5"], ci_upper = m[, "ci.97.5"])
}

# svyciprop -----------------------------------------------------------------
do_ciprop <- function(d, method) {
  call <- sprintf('svyciprop(~I(sch_wide=="Yes"), %s, method="%s")', d, method)
  x <- run(call)
  ci <- attr(x, "ci")
  add(sprintf("%s_ciprop_%s", d, method), d, call, "ciprop", "sch_wide",
      level = "Yes", estimate = as.numeric(x), se = sqrt(as.numeric(attr(x, "var"))),
      ci_lower = ci[1], ci_upper = ci[2])
}

# svyglm --------------------------------------------------------------------
do_glm <- function(d) {
  # Tight IRLS convergence: R's default (1e-8 on the deviance) leaves ~1e-5 relative error in
  # the coefficients, which would hide real differences in the Python comparison.
  call <- sprintf('svyglm(I(sch_wide=="Yes") ~ ell + meals + stype, %s, family=quasibinomial(), control=glm.control(epsilon=1e-14, maxit=100))', d)
  x <- run(call)
  add(sprintf("%s_glm_sch_wide", d), d, call, "glm", "sch_wide", level = "Yes",
      term = names(coef(x)), estimate = coef(x), se = SE(x))
}

do_degf <- function(d) {
  call <- sprintf("degf(%s)", d)
  add(sprintf("%s_degf", d), d, call, "degf", "", estimate = run(call))
}
do_degf_sub <- function(d) {
  call <- sprintf('degf(subset(%s, stype=="H"))', d)
  add(sprintf("%s_degf_stype_H", d), d, call, "degf", "", by = "stype",
      domain = "H", estimate = run(call))
}

# ---- per-design plan --------------------------------------------------------
basic <- function(d, stype_ok, na.rm = FALSE) {
  for (fun in c("svymean", "svytotal")) {
    do_stat(d, fun, "api00")
    # apiclus2 has 6 missing enroll: na.rm=TRUE there (and on strat_na)
    do_stat(d, fun, "enroll", na.rm = na.rm || grepl("^clus2", d))
    if (stype_ok) do_stat(d, fun, "stype")
    do_stat(d, fun, "sch_wide")
  }
  do_ratio(d)
  do_mean_t(d)
  do_degf(d)
}

basic("strat", FALSE);       do_by_set("strat")
basic("strat_nofpc", FALSE)
basic("clus1", TRUE);        do_by_set("clus1")
basic("clus1_nofpc", TRUE)
basic("clus2", TRUE);        do_by_set("clus2")
basic("clus2_w", TRUE)
basic("clus2_nofpc", TRUE)
basic("strat_na", FALSE, na.rm = TRUE)
for (fun in c("svymean", "svytotal")) do_stat("strat_na", fun, "avg_ed", na.rm = TRUE)
do_by("strat_na_by_mean_enroll_stype", "strat_na",
      "svyby(~enroll, ~stype, strat_na, svymean, na.rm=TRUE, deff=TRUE)",
      "mean", "enroll", "stype")
basic("clus1_ps", TRUE);     do_by_set("clus1_ps")
basic("clus1_rake", TRUE);   do_by_set("clus1_rake")
basic("clus1_jk1", TRUE);    do_by_set("clus1_jk1")

# domain degrees of freedom
do_degf_sub("strat")
do_degf_sub("clus1")

# quantiles, ciprop, glm
for (d in c("strat", "clus1", "clus2")) {
  do_quant(d)
  do_quant(d, "_beta", ', interval.type="beta"')
  do_quant(d, "_dfinf", ", df=Inf")
  do_by(sprintf("%s_by_quantile_api00_stype", d), d,
        sprintf('svyby(~api00, ~stype, %s, svyquantile, quantiles=0.5, ci=TRUE, vartype=c("se","ci"))', d),
        "quantile", "api00", "stype", quantile = 0.5)
  for (m in c("logit", "beta", "mean")) do_ciprop(d, m)
  do_glm(d)
}
do_glm("strat_nofpc")
do_by("clus1_by_ciprop_logit_stype", "clus1",
      'svyby(~I(sch_wide=="Yes"), ~stype, clus1, svyciprop, vartype=c("se","ci"), method="logit")',
      "ciprop", "sch_wide", "stype", levels = "Yes")

# replicate design clus1_jk1: scale, rscales, mse=TRUE case
add("clus1_jk1_scale", "clus1_jk1", "clus1_jk1$scale", "scale", "",
    estimate = clus1_jk1$scale)
add("clus1_jk1_rscales", "clus1_jk1", "clus1_jk1$rscales", "rscales", "",
    term = colnames(rw), estimate = clus1_jk1$rscales)
add("clus1_jk1_mse", "clus1_jk1", "clus1_jk1$mse", "mse", "",
    estimate = as.numeric(clus1_jk1$mse))
{
  call <- 'svymean(~api00, as.svrepdesign(clus1, type="JK1", mse=TRUE))'
  x <- run(call)
  ci <- confint(x)
  add("clus1_jk1_mse_mean_api00", "clus1_jk1", call, "mean", "api00",
      estimate = coef(x), se = SE(x), ci_lower = ci[, 1], ci_upper = ci[, 2])
}

# scd_brr
{
  call <- "svymean(~arrests+alive, scd_brr)"
  x <- run(call); ci <- confint(x)
  add("scd_brr_mean_arrests_alive", "scd_brr", call, "mean", names(coef(x)),
      estimate = coef(x), se = SE(x), ci_lower = ci[, 1], ci_upper = ci[, 2])
  call <- "svytotal(~arrests, scd_brr)"
  x <- run(call); ci <- confint(x)
  add("scd_brr_total_arrests", "scd_brr", call, "total", "arrests",
      estimate = coef(x), se = SE(x), ci_lower = ci[, 1], ci_upper = ci[, 2])
  do_ratio("scd_brr", "alive", "arrests")
  do_degf("scd_brr")
  add("scd_brr_scale", "scd_brr", "scd_brr$scale", "scale", "", estimate = scd_brr$scale)
  add("scd_brr_rscales", "scd_brr", "scd_brr$rscales", "rscales", "",
      term = colnames(repweights), estimate = scd_brr$rscales)
}

# lonely PSU
for (opt in c("certainty", "remove", "adjust")) {
  call <- sprintf('local({op <- options(survey.lonely.psu="%s"); on.exit(options(op)); svymean(~api00, strat_lonely)})', opt)
  x <- run(call); ci <- confint(x)
  add(sprintf("strat_lonely_mean_api00_%s", opt), "strat_lonely", call, "mean",
      "api00", estimate = coef(x), se = SE(x), ci_lower = ci[, 1], ci_upper = ci[, 2])
}
do_degf("strat_lonely")
lonely_fail <- tryCatch({ svymean(~api00, strat_lonely); "no error" },
                        error = function(e) conditionMessage(e))

# ---------------------------------------------------------------------------
# 3b. Other data sets shipped with survey: nhanes, fpc, mu284, hospital
# ---------------------------------------------------------------------------
data(nhanes)
nhanes_x <- nhanes
nhanes_x$agecat <- as.character(nhanes_x$agecat)
wcsv(nhanes_x, "nhanes.csv")
nhanes_df <- read.csv(outf("nhanes.csv"), stringsAsFactors = FALSE, na.strings = "")
stopifnot(sum(is.na(nhanes_df$HI_CHOL)) == 745, nrow(nhanes_df) == 8591)
nhanes_df$agecat <- factor(nhanes_df$agecat)   # levels sorted: (0,19] (19,39] (39,59] (59,Inf]
nhanes_df$race <- factor(nhanes_df$race)       # codes 1..4
# The design keeps the name of the data set, as the api designs do (design = R object).
nhanes <- svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR,
                    nest = TRUE, data = nhanes_df)

# Several variables, numeric and factor, in one call: one row per coefficient.
# `variables` and `levels` give each coefficient's source column and level.
do_multi <- function(case, d, call, statistic, variables, levels) {
  x <- run(call)
  ci <- confint(x)
  de <- attr(x, "deff")
  de <- if (is.null(de)) NA else if (is.matrix(de)) diag(de) else de
  stopifnot(length(coef(x)) == length(variables))
  add(case, d, call, statistic, variables, level = levels, estimate = coef(x),
      se = SE(x), ci_lower = ci[, 1], ci_upper = ci[, 2], deff = de)
}
do_multi("clus1_mean_api00_api99_stype", "clus1",
         "svymean(~api00+api99+stype, clus1, deff=TRUE)", "mean",
         c("api00", "api99", "stype", "stype", "stype"), c("", "", "E", "H", "M"))
do_multi("clus1_total_api00_stype_sch_wide", "clus1",
         "svytotal(~api00+stype+sch_wide, clus1)", "total",
         c("api00", "stype", "stype", "stype", "sch_wide", "sch_wide"),
         c("", "E", "H", "M", "No", "Yes"))
do_multi("nhanes_mean_RIAGENDR_agecat_race", "nhanes",
         "svymean(~RIAGENDR+agecat+race, nhanes, deff=TRUE)", "mean",
         c("RIAGENDR", rep("agecat", 4), rep("race", 4)),
         c("", levels(nhanes_df$agecat), levels(nhanes_df$race)))
do_degf("nhanes")

# Small textbook designs (survey's own examples): few PSUs, so the degrees of freedom of a
# t / logit interval matter.
data(fpc); data(mu284); data(hospital)
fpc_x <- fpc[, c("stratid", "psuid", "weight", "nh", "Nh", "x")]
mu284_x <- mu284[, c("id1", "n1", "id2", "y1", "n2")]
hospital_x <- hospital[, c("hospno", "oblevel", "weighta", "tothosp", "births")]
rownames(fpc_x) <- rownames(mu284_x) <- rownames(hospital_x) <- NULL
wcsv(fpc_x, "fpc.csv"); wcsv(mu284_x, "mu284.csv"); wcsv(hospital_x, "hospital.csv")
fpc_df <- read.csv(outf("fpc.csv")); mu284_df <- read.csv(outf("mu284.csv"))
hospital_df <- read.csv(outf("hospital.csv"))
fpc <- svydesign(ids = ~psuid, strata = ~stratid, fpc = ~Nh, weights = ~weight, nest = TRUE,
                 data = fpc_df)
mu284 <- svydesign(ids = ~id1 + id2, fpc = ~n1 + n2, data = mu284_df)
hospital <- svydesign(ids = ~hospno, strata = ~oblevel, fpc = ~tothosp, data = hospital_df)

# confint(svymean(...), df = degf(design)): the design's df, whatever the missing values.
do_mean_t_call <- function(case, d, variable, mean_call, df_call = sprintf("degf(%s)", d)) {
  call <- sprintf("confint(%s, df=%s)", mean_call, df_call)
  x <- run(mean_call)
  ci <- run(call)
  add(case, d, call, "mean_t", variable, estimate = coef(x), se = SE(x),
      ci_lower = ci[, 1], ci_upper = ci[, 2])
}
# svyciprop of an indicator; `variable` and `level` name it for the Python side
# (sch_wide/Yes, enroll/>500, HI_CHOL/1, x/>5, y1/>40, births/>1000).
do_ciprop_call <- function(case, d, formula, variable, level, method, extra = "") {
  call <- sprintf('svyciprop(%s, %s, method="%s"%s)', formula, d, method, extra)
  x <- run(call)
  ci <- attr(x, "ci")
  add(case, d, call, "ciprop", variable, level = level, estimate = as.numeric(x),
      se = sqrt(as.numeric(attr(x, "var"))), ci_lower = ci[1], ci_upper = ci[2])
}

# strat_na: enroll has 3 NA rows, each its own PSU, so the design's df (197) is not the df of
# the answering rows (194).  svyquantile(na.rm=TRUE) drops the rows *before* degf(): 194.
do_mean_t_call("strat_na_mean_t_enroll", "strat_na", "enroll",
               "svymean(~enroll, strat_na, na.rm=TRUE)")
for (m in c("logit", "mean"))
  do_ciprop_call(sprintf("strat_na_ciprop_enroll_%s", m), "strat_na", "~I(enroll>500)",
                 "enroll", ">500", m, ", na.rm=TRUE")
do_by("strat_na_by_ciprop_logit_enroll_stype", "strat_na",
      'svyby(~I(enroll>500), ~stype, strat_na, svyciprop, vartype=c("se","ci"), method="logit", na.rm=TRUE)',
      "ciprop", "enroll", "stype", levels = ">500")
{
  call <- "svyquantile(~enroll, strat_na, c(0.25, 0.5, 0.9), ci=TRUE, na.rm=TRUE)"
  m <- run(call)$enroll
  add("strat_na_quantile_enroll", "strat_na", call, "quantile", "enroll",
      quantile = as.numeric(rownames(m)), estimate = m[, "quantile"],
      se = m[, "se"], ci_lower = m[, "ci.2.5"], ci_upper = m[, "ci.97.5"])
}
# a subset's df counts the PSUs and strata left in it (7 for clus1, stype H)
do_mean_t_call("clus1_subset_H_mean_t_api00", "clus1", "api00",
               'svymean(~api00, subset(clus1, stype=="H"))',
               'degf(subset(clus1, stype=="H"))')

# a replicate design's subset: rank of the domain's replicate weights minus 1
do_degf_sub("clus1_jk1")

# nhanes: 745 NA in HI_CHOL; fpc, mu284, hospital: df 6, 4 and 12
do_mean_t_call("nhanes_mean_t_HI_CHOL", "nhanes", "HI_CHOL",
               "svymean(~HI_CHOL, nhanes, na.rm=TRUE)")
for (m in c("logit", "mean"))
  do_ciprop_call(sprintf("nhanes_ciprop_HI_CHOL_%s", m), "nhanes", "~HI_CHOL", "HI_CHOL",
                 "1", m, ", na.rm=TRUE")
do_by("nhanes_by_ciprop_logit_HI_CHOL_race", "nhanes",
      'svyby(~HI_CHOL, ~race, nhanes, svyciprop, vartype=c("se","ci"), method="logit", na.rm=TRUE)',
      "ciprop", "HI_CHOL", "race", levels = "1")
small <- list(fpc = c("x", "~I(x>5)", ">5"), mu284 = c("y1", "~I(y1>40)", ">40"),
              hospital = c("births", "~I(births>1000)", ">1000"))
for (d in names(small)) {
  v <- small[[d]]
  do_mean_t_call(sprintf("%s_mean_t_%s", d, v[1]), d, v[1], sprintf("svymean(~%s, %s)", v[1], d))
  for (m in c("logit", "mean"))
    do_ciprop_call(sprintf("%s_ciprop_%s_%s", d, v[1], m), d, v[2], v[1], v[3], m)
  do_degf(d)
}

# Korn-Graubard (beta): the effective n is corrected by (qt(.025, nrow(design) - 1) /
# qt(.025, degf(design)))^2, with nrow() the rows of the design handed over: every row of
# the domain for svyciprop (missing values included); the answering rows for svyquantile
# (na.rm drops them first); and all the rows of a calibrated design, whose subsets only zero
# the weights.
do_ciprop_call("strat_na_ciprop_enroll_beta", "strat_na", "~I(enroll>500)", "enroll", ">500",
               "beta", ", na.rm=TRUE")
do_ciprop_call("nhanes_ciprop_HI_CHOL_beta", "nhanes", "~HI_CHOL", "HI_CHOL", "1", "beta",
               ", na.rm=TRUE")
do_by("nhanes_by_ciprop_beta_HI_CHOL_race", "nhanes",
      'svyby(~HI_CHOL, ~race, nhanes, svyciprop, vartype=c("se","ci"), method="beta", na.rm=TRUE)',
      "ciprop", "HI_CHOL", "race", levels = "1")
do_by("clus1_ps_by_ciprop_beta_stype", "clus1_ps",
      'svyby(~I(sch_wide=="Yes"), ~stype, clus1_ps, svyciprop, vartype=c("se","ci"), method="beta")',
      "ciprop", "sch_wide", "stype", levels = "Yes")
for (d in names(small)) {
  v <- small[[d]]
  do_ciprop_call(sprintf("%s_ciprop_%s_beta", d, v[1]), d, v[2], v[1], v[3], "beta")
}
{
  call <- 'svyquantile(~enroll, strat_na, c(0.25, 0.5, 0.9), ci=TRUE, na.rm=TRUE, interval.type="beta")'
  m <- run(call)$enroll
  add("strat_na_quantile_enroll_beta", "strat_na", call, "quantile", "enroll",
      quantile = as.numeric(rownames(m)), estimate = m[, "quantile"],
      se = m[, "se"], ci_lower = m[, "ci.2.5"], ci_upper = m[, "ci.97.5"])
}
do_by("clus1_ps_by_quantile_api00_stype_beta", "clus1_ps",
      'svyby(~api00, ~stype, clus1_ps, svyquantile, quantiles=0.5, ci=TRUE, interval.type="beta", vartype=c("se","ci"))',
      "quantile", "api00", "stype", quantile = 0.5)

# Replicate designs: svyciprop(method="logit") fits svyglm(y ~ 1) under every replicate
# weight, so the SE of the logit is the spread of the replicate logits (svrVar, with the
# design's scale, rscales and mse), not the delta method.
# nhanes as a JKn design (BRR is impossible: one stratum has 3 PSUs).  The multipliers are
# constant within a PSU, so they are exported per (SDMVSTRA, SDMVPSU).
nhanes_jkn <- as.svrepdesign(nhanes, type = "JKn")
stopifnot(!nhanes_jkn$combined.weights, !nhanes_jkn$mse)
rwm <- as.matrix(nhanes_jkn$repweights)
stopifnot(all(rwm %in% c(0, 1, 1.5, 2)))
colnames(rwm) <- paste0("jk", seq_len(ncol(rwm)))
jkn_tab <- unique(data.frame(SDMVSTRA = nhanes_df$SDMVSTRA, SDMVPSU = nhanes_df$SDMVPSU, rwm))
stopifnot(nrow(jkn_tab) == 31)
jkn_tab <- jkn_tab[order(jkn_tab$SDMVSTRA, jkn_tab$SDMVPSU), ]
rownames(jkn_tab) <- NULL
wcsv(jkn_tab, "nhanes_jkn_factors.csv")
add("nhanes_jkn_scale", "nhanes_jkn", "nhanes_jkn$scale", "scale", "",
    estimate = nhanes_jkn$scale)
add("nhanes_jkn_rscales", "nhanes_jkn", "nhanes_jkn$rscales", "rscales", "",
    term = colnames(rwm), estimate = nhanes_jkn$rscales)
do_degf("nhanes_jkn")
do_stat("nhanes_jkn", "svymean", "HI_CHOL", na.rm = TRUE)
for (m in c("logit", "beta", "mean")) {
  do_ciprop("clus1_jk1", m)
  do_ciprop_call(sprintf("nhanes_jkn_ciprop_HI_CHOL_%s", m), "nhanes_jkn", "~HI_CHOL",
                 "HI_CHOL", "1", m, ", na.rm=TRUE")
}
do_ciprop_call("clus1_jk1_mse_ciprop_logit", "clus1_jk1_mse", '~I(sch_wide=="Yes")',
               "sch_wide", "Yes", "logit")
do_by("clus1_jk1_by_ciprop_logit_stype", "clus1_jk1",
      'svyby(~I(sch_wide=="Yes"), ~stype, clus1_jk1, svyciprop, vartype=c("se","ci"), method="logit")',
      "ciprop", "sch_wide", "stype", levels = "Yes")
do_by("nhanes_jkn_by_ciprop_logit_HI_CHOL_race", "nhanes_jkn",
      'svyby(~HI_CHOL, ~race, nhanes_jkn, svyciprop, vartype=c("se","ci"), method="logit", na.rm=TRUE)',
      "ciprop", "HI_CHOL", "race", levels = "1")

# ---------------------------------------------------------------------------
# 3c. Linear (GREG) calibration: calibrate(design, formula, population)
# ---------------------------------------------------------------------------
# The totals of ?calibrate (api) and round totals near nhanes' weighted ones. R keeps the
# calibration in the design: svyrecvar replaces the influence values by their residuals on
# the calibration model (qr.resid of x / (g sqrt(w)) on mm sqrt(w), times g sqrt(w)).
# With bounds, calibrate() iterates grake(cal.linear) until the totals are met to 1e-7.
pop_totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
clus1_cal <- calibrate(clus1, ~stype + api99, pop_totals)
clus1_calb <- calibrate(clus1, ~stype + api99, pop_totals, bounds = c(0.6, 1.6))
pop_nhanes <- c(`(Intercept)` = 280e6, `agecat(19,39]` = 82e6, `agecat(39,59]` = 84e6,
                `agecat(59,Inf]` = 56e6, RIAGENDR = 425e6)
nhanes_cal <- calibrate(nhanes, ~agecat + RIAGENDR, pop_nhanes)
nhanes_calb <- calibrate(nhanes, ~agecat + RIAGENDR, pop_nhanes, bounds = c(0.99, 1.04))
# the bounds bind (unbounded g ranges over 0.42..1.83 and 0.990..1.046)
stopifnot(isTRUE(all.equal(range(weights(clus1_calb) / weights(clus1)), c(0.6, 1.6))),
          isTRUE(all.equal(range(weights(nhanes_calb) / weights(nhanes)), c(0.99, 1.04))))
wcsv(data.frame(cds = apiclus1$cds, w_cal = weights(clus1_cal), w_calb = weights(clus1_calb)),
     "clus1_greg_weights.csv")
calibration_margins$clus1_cal <- calibration_margins$clus1_calb <- c("stype", "api99")
calibration_margins$nhanes_cal <- calibration_margins$nhanes_calb <- c("agecat", "RIAGENDR")
for (d in c("clus1_cal", "clus1_calb")) {
  basic(d, TRUE)
  do_by_set(d)
  do_stat(d, "svytotal", "api99")
}
for (d in c("nhanes_cal", "nhanes_calb")) {
  for (fun in c("svymean", "svytotal")) {
    do_stat(d, fun, "HI_CHOL", na.rm = TRUE)
    do_stat(d, fun, "RIAGENDR")
  }
  do_by(sprintf("%s_by_mean_HI_CHOL_race", d), d,
        sprintf("svyby(~HI_CHOL, ~race, %s, svymean, na.rm=TRUE)", d), "mean", "HI_CHOL", "race")
  do_degf(d)
}

# ---------------------------------------------------------------------------
# 3d. Quantiles on replicate designs: svyquantile.svyrep.design, interval.type="mean" (its
# default): the Woodruff interval with the replicate SE of svymean(x <= q), t quantiles on
# degf(design) = rank of the replicate weights of the answering rows minus 1.
# ---------------------------------------------------------------------------
do_quant("clus1_jk1")
# (interval.type="beta" is not asked: svyquantile.svyrep.design calls woodruffCI without its
# method, so R gives the "mean" interval whatever interval.type says.)
do_quant("clus1_jk1_mse")
# (by stype, the H domain (degf 7, 14 schools) has an upper bound outside [0, 1]: NaN in R)
do_by("clus1_jk1_by_quantile_api00_sch_wide", "clus1_jk1",
      'svyby(~api00, ~sch_wide, clus1_jk1, svyquantile, quantiles=0.5, ci=TRUE, vartype=c("se","ci"))',
      "quantile", "api00", "sch_wide", quantile = 0.5)
{
  call <- "svyquantile(~avg_ed, clus1_jk1, c(0.25, 0.5, 0.75), ci=TRUE, na.rm=TRUE)"
  m <- run(call)$avg_ed
  add("clus1_jk1_quantile_avg_ed", "clus1_jk1", call, "quantile", "avg_ed",
      quantile = as.numeric(rownames(m)), estimate = m[, "quantile"],
      se = m[, 4], ci_lower = m[, "ci.2.5"], ci_upper = m[, "ci.97.5"])
  call <- "svyquantile(~WTMEC2YR, nhanes_jkn, c(0.25, 0.5, 0.9), ci=TRUE)"
  m <- run(call)$WTMEC2YR
  add("nhanes_jkn_quantile_WTMEC2YR", "nhanes_jkn", call, "quantile", "WTMEC2YR",
      quantile = as.numeric(rownames(m)), estimate = m[, "quantile"],
      se = m[, 4], ci_lower = m[, "ci.2.5"], ci_upper = m[, "ci.97.5"])
}
do_by("nhanes_jkn_by_quantile_WTMEC2YR_race", "nhanes_jkn",
      'svyby(~WTMEC2YR, ~race, nhanes_jkn, svyquantile, quantiles=0.5, ci=TRUE, vartype=c("se","ci"))',
      "quantile", "WTMEC2YR", "race", quantile = 0.5)

# ---------------------------------------------------------------------------
# 3e. svyglm(family=quasibinomial) on replicate designs: glm.fit under every replicate weight
# (started at the full-sample coefficients, with the full fit's control), covariance svrVar of
# the replicate coefficients. Tight IRLS as in do_glm, for the replicate fits as well.
# ---------------------------------------------------------------------------
do_glm("clus1_jk1")
do_glm("clus1_jk1_mse")
do_glm_hi_chol <- function(d) {
  call <- sprintf("svyglm(HI_CHOL ~ race + RIAGENDR, %s, family=quasibinomial(), control=glm.control(epsilon=1e-14, maxit=100))", d)
  x <- run(call)
  add(sprintf("%s_glm_HI_CHOL", d), d, call, "glm", "HI_CHOL", level = "1",
      term = names(coef(x)), estimate = coef(x), se = SE(x))
}
do_glm_hi_chol("nhanes")
do_glm_hi_chol("nhanes_jkn")

# ---------------------------------------------------------------------------
# 3f. svyquantile(interval.type="score") (ffullerCI, survey.design2 only): uniroot of the
# score test mean(x > theta) - (1 - p) over its SE = +-qt(.975, df) between
# min(x) + IQR/100 and max(x) - IQR/100 (tol 1/(100 sqrt(nrow))), then the bound is
# qrule(x, w, mean(x <= root)), the share unweighted.
# ---------------------------------------------------------------------------
for (d in c("strat", "clus1", "clus2", "clus1_ps", "clus1_cal"))
  do_quant(d, "_score", ', interval.type="score"')
do_by("strat_by_quantile_api00_stype_score", "strat",
      'svyby(~api00, ~stype, strat, svyquantile, quantiles=0.5, ci=TRUE, interval.type="score", vartype=c("se","ci"))',
      "quantile", "api00", "stype", quantile = 0.5)
do_by("clus1_ps_by_quantile_api00_stype_score", "clus1_ps",
      'svyby(~api00, ~stype, clus1_ps, svyquantile, quantiles=0.5, ci=TRUE, interval.type="score", vartype=c("se","ci"))',
      "quantile", "api00", "stype", quantile = 0.5)
do_quant_call <- function(case, d, variable, call) {
  m <- run(call)[[variable]]
  add(case, d, call, "quantile", variable, quantile = as.numeric(rownames(m)),
      estimate = m[, "quantile"], se = m[, 4], ci_lower = m[, "ci.2.5"],
      ci_upper = m[, "ci.97.5"])
}
do_quant_call("strat_na_quantile_enroll_score", "strat_na", "enroll",
              'svyquantile(~enroll, strat_na, c(0.25, 0.5, 0.9), ci=TRUE, na.rm=TRUE, interval.type="score")')
do_quant_call("nhanes_quantile_WTMEC2YR_score", "nhanes", "WTMEC2YR",
              'svyquantile(~WTMEC2YR, nhanes, c(0.25, 0.5, 0.9), ci=TRUE, interval.type="score")')
# hospital: an SE of 0 at the end of the bracket, +Inf replaced by the largest double.
do_quant_call("hospital_quantile_births_score", "hospital", "births",
              'svyquantile(~births, hospital, c(0.25, 0.5, 0.75), ci=TRUE, interval.type="score")')
# mu284 y1 at 0.25 and 0.75: the score has the same sign at both ends of the bracket and
# uniroot stops with an error (the Python side gives an empty bound); 0.5 works.
do_quant_call("mu284_quantile_y1_score", "mu284", "y1",
              'svyquantile(~y1, mu284, 0.5, ci=TRUE, interval.type="score")')

# ---------------------------------------------------------------------------
# 4. Write and check
# ---------------------------------------------------------------------------
ref <- do.call(rbind, rows)
key <- paste(ref$case, ref$level, ref$domain, ref$quantile, ref$term, ref$variable)
stopifnot(!anyDuplicated(key))
# one call per case
stopifnot(all(tapply(ref$call, ref$case, function(z) length(unique(z))) == 1))
# every row has an estimate; se and ci wherever the statistic provides them
stopifnot(all(ref$estimate != ""))
has_se <- ref$statistic %in% c("mean", "total", "ratio", "quantile", "ciprop", "glm", "mean_t")
stopifnot(all(ref$se[has_se] != ""))
has_ci <- ref$statistic %in% c("mean", "total", "ratio", "quantile", "ciprop", "mean_t")
stopifnot(all(ref$ci_lower[has_ci] != "" & ref$ci_upper[has_ci] != ""))
bad <- apply(as.matrix(ref), 1, function(r) any(r %in% c("NA", "NaN", "Inf", "-Inf")))
if (any(bad)) { print(ref[bad, ]); stop("NA, NaN or Inf in the reference values") }

write.csv(ref, outf("reference.csv"), row.names = FALSE, na = "", fileEncoding = "UTF-8")

cat("reference.csv:", nrow(ref), "rows,", length(unique(ref$case)), "cases\n")
print(tapply(ref$case, ref$statistic, function(z) length(unique(z))))
cat("\nsvymean(~api00, strat_lonely) with survey.lonely.psu='fail':", lonely_fail, "\n")
if (length(collected_warnings)) {
  cat("\nWarnings raised by R:\n")
  cat(paste0("  ", unique(collected_warnings)), sep = "\n")
}
