"""Write the example files of docs/data.md, shaped like public data sets:
a weekly co2 series with weeks missing and empty cells, the airline series newest first,
yearly sunspots as pandas writes them (1700.0), quarterly GDP (1959Q1), a semicolon export
with decimal commas, a wide climate table with a blank cell and a blank end, and three small
troublemakers: a month given twice, irregular dates and a MATLAB .mat file.

    python docs/messy/make_data.py        # writes the files next to this script
"""
import datetime as dt
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def write(name: str, lines: list[str]) -> None:
    (HERE / name).write_text("\n".join(lines) + "\n")


def main() -> None:
    rng = np.random.default_rng(0)
    write("sunspots.csv", ["YEAR,SUNACTIVITY"] + [
        f"{float(1700 + i)},{max(60 + 50 * np.sin(2 * np.pi * i / 11) + rng.normal(0, 8), 0):.1f}"
        for i in range(289)])
    write("gdp.csv", ["quarter,realgdp"] + [
        f"{1959 + i // 4}Q{i % 4 + 1},"
        f"{2700 * np.exp(0.008 * i) + 20 * [1, -1, 2, -2][i % 4] + rng.normal(0, 10):.3f}"
        for i in range(203)])
    start, weeks = dt.date(1958, 3, 29), []
    for i in range(2000):
        d = start + dt.timedelta(weeks=i)
        v = 315 + 0.03 * i + 3 * np.sin(2 * np.pi * d.timetuple().tm_yday / 365.25)
        weeks.append((d.isoformat(), f"{v + rng.normal(0, 0.3):.2f}"))
    absent = set(rng.choice(np.arange(5, 1990), 59, replace=False).tolist())
    empty = set(rng.choice(np.arange(5, 1990), 7, replace=False).tolist()) - absent
    write("co2_weekly.csv", ["date,co2"] + [f"{d},{'' if i in empty else v}"
                                            for i, (d, v) in enumerate(weeks) if i not in absent])
    air = (ROOT / "data/airline_passengers.csv").read_text().splitlines()
    write("air_newest_first.csv", [air[0]] + air[1:][::-1])
    write("volume.csv", ["year;volume"] + [
        f"{1871 + i};{1100 + 150 * np.sin(i / 7) + rng.normal(0, 60):.1f}".replace(".", ",")
        for i in range(100)])
    months = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
    lines = ["YEAR," + ",".join(months) + ",ANNUAL"]
    for year in range(1950, 2024):
        values = [10 + 8 * np.sin(2 * np.pi * (m - 3) / 12) + 0.02 * (year - 1950)
                  + rng.normal(0, 0.5) for m in range(12)]
        cells = [f"{v:.2f}" for v in values]
        if year == 2023:
            cells[8:] = [""] * 4
        if year == 1977:
            cells[4] = ""
        lines.append(f"{year}," + ",".join(cells) + f",{np.mean(values):.2f}")
    write("climate_wide.csv", lines)
    write("repeated.csv", air[:14] + [air[14]] + air[14:30])         # 1950-02 twice
    write("irregular.csv", ["date,y"] + [f"2000-01-{d:02d},{d}" for d in (1, 8, 15, 22, 26, 29)])
    (HERE / "data.mat").write_bytes(b"MATLAB 5.0 MAT-file, Platform: GLNXA64".ljust(128))


if __name__ == "__main__":
    main()
