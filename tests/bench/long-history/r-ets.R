#!/usr/bin/env Rscript
# R's ets on the long-history files: the r-ets part of tests/bench/r-forecast-compare.R (same
# holdout, same fit, same metrics), without forecast::croston, which is quadratic in the series
# length (≈ 30 s per 1,650-day series here, against 0.3 s for ets).
#
#   apt-get install -y --no-install-recommends r-cran-forecast      # Debian 12: forecast 8.20
#   Rscript tests/bench/long-history/r-ets.R .data/long-history/store-item.csv 28 [cores]
#
# Holds out the last H days of every series; fits forecast::ets(ts(y, frequency = 7)) (automatic
# ETS, weekly season) on the rest; 80/95 % bands; forecasts and band ends clipped at 0.
# Metrics as app/forecasting/metrics.ts: acc_total = 1 - sum|sum F - sum A| / sum A over the
# series' H-day totals; 1-WAPE over all series-days; bias = sum(F - A) / sum A; MASE = mean over
# series of MAE / in-sample MAE of the period-7 seasonal naive; band coverage over series-days.
suppressPackageStartupMessages({
  library(forecast)
  library(parallel)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: r-ets.R FILE [H] [cores]")
file <- args[1]
H <- if (length(args) >= 2) as.integer(args[2]) else 28L
cores <- if (length(args) >= 3) as.integer(args[3]) else 1L

d <- read.csv(file, colClasses = c(series_id = "character", date = "character", units = "numeric"))
d <- d[order(d$series_id, d$date), ]
groups <- split(d$units, d$series_id)
groups <- groups[vapply(groups, length, 1L) >= H + 14]

one <- function(y) {
  n <- length(y)
  hist <- y[1:(n - H)]
  act <- y[(n - H + 1):n]
  scale <- mean(abs(diff(hist, lag = 7)))
  fe <- tryCatch(forecast(ets(ts(hist, frequency = 7)), h = H, level = c(80, 95)), error = function(e) NULL)
  x <- if (!is.null(fe)) {
    list(f = pmax(0, as.numeric(fe$mean)),
         lo80 = pmax(0, as.numeric(fe$lower[, 1])), hi80 = pmax(0, as.numeric(fe$upper[, 1])),
         lo95 = pmax(0, as.numeric(fe$lower[, 2])), hi95 = pmax(0, as.numeric(fe$upper[, 2])),
         method = fe$method)
  } else list(f = rep(mean(tail(hist, 28)), H), method = "failed")
  list(m = c(
    tot_abs = abs(sum(x$f) - sum(act)), day_abs = sum(abs(x$f - act)), signed = sum(x$f - act), act = sum(act),
    mase = if (is.finite(scale) && scale > 0) mean(abs(x$f - act)) / scale else NA,
    c80 = if (is.null(x$lo80)) NA else sum(act >= x$lo80 - 1e-9 & act <= x$hi80 + 1e-9),
    c95 = if (is.null(x$lo95)) NA else sum(act >= x$lo95 - 1e-9 & act <= x$hi95 + 1e-9),
    cn = length(act)), method = x$method)
}

t0 <- proc.time()[["elapsed"]]
res <- mclapply(groups, one, mc.cores = cores)
secs <- proc.time()[["elapsed"]] - t0

pct <- function(x) if (is.na(x) || !is.finite(x)) "—" else sprintf("%.1f %%", 100 * x)
cat(sprintf("r-ets: %s, %d series, holdout = last %d days, forecast %s, %d cores\n\n", file, length(groups), H,
            as.character(packageVersion("forecast")), cores))
cat(sprintf("%-10s  %9s  %7s  %8s  %6s  %7s  %7s\n", "method", "acc_total", "1-WAPE", "bias", "MASE", "cover80", "cover95"))
m <- do.call(rbind, lapply(res, function(r) r$m))
A <- sum(m[, "act"])
b <- sum(m[, "signed"]) / A
cat(sprintf("%-10s  %9s  %7s  %8s  %6.3f  %7s  %7s\n", "r-ets", pct(1 - sum(m[, "tot_abs"]) / A), pct(1 - sum(m[, "day_abs"]) / A),
            paste0(ifelse(b >= 0, "+", ""), pct(b)), mean(m[, "mase"], na.rm = TRUE),
            pct(sum(m[, "c80"]) / sum(m[, "cn"])), pct(sum(m[, "c95"]) / sum(m[, "cn"]))))
methods <- table(vapply(res, function(r) r$method, ""))
cat(sprintf("\nets models: %s\n", paste(sprintf("%s %d", names(methods), as.integer(methods)), collapse = ", ")))
cat(sprintf("elapsed: %.1f s\n", secs))
