package io.accessplan.cli;

import io.accessplan.collector.sim.CalibrationRun;
import io.accessplan.collector.sim.SimParameters;
import io.accessplan.datasets.DatasetRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code accessplan calibrate}: fits the simulator to one card's measured rows and writes its profile. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Fits the simulator's per-kernel-class parameters to a card's measured (cuda) rows by least"
                + " squares on log step time and writes the card's profile (JSON) for sweep, crosscheck and train.")
final class CalibrateCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, split = ",", description = "measured dataset(s), DIR or URI, comma-separated")
    List<String> data;

    @Option(names = "--out", required = true, description = "profile file to write (JSON)")
    Path out;

    @Option(names = "--holdout-every", defaultValue = "4",
            description = "hold every n-th architecture out of the fit and report the error on it; 0: fit on all (default ${DEFAULT-VALUE})")
    int holdoutEvery;

    @Option(names = "--prior", description = "start from (and pull weakly towards) this profile's parameters instead of the simulator's defaults, e.g. another card of the same engine")
    Path prior;

    @Option(names = "--force", description = "replace an existing profile file")
    boolean force;

    @Option(names = "--exclude-architectures", split = ",", description = "leave every row of these architecture ids"
            + " out, fitted and held out alike: those another card's calibration holds out, where this profile is to be"
            + " that card's --prior (the profile records them)")
    List<String> excludeArchitectures = List.of();

    @Option(names = "--host-benchmark", description = "time the engine's host Adam update on this machine on normal and"
            + " on subnormal second moments, and where no fitted row meets subnormal moments take their cost as the"
            + " measured ratio times the card's fitted normal cost (the profile records the figures)")
    boolean hostBenchmark;

    @Override
    public Integer call() {
        if (holdoutEvery < 0 || holdoutEvery == 1) {
            throw new BadInputException("Invalid holdout-every: " + holdoutEvery + " (0 for none, or >= 2)");
        }
        if (Files.exists(out) && !force) {
            throw new BadInputException("Output exists: " + out + " (use --force to replace it)");
        }
        // the profile may live beside a dataset's parts (train reads <dataset>/sim-profile.json), never over one
        if (out.getFileName() != null && out.getFileName().toString().endsWith(".parquet")) {
            throw new BadInputException("Invalid --out: " + out + " (a profile is JSON; this names a Parquet part)");
        }
        OutputPaths.checkFile("--out", out, prior);   // a null prior is no input
        SimParameters start = prior == null ? SimParameters.DEFAULTS : ProfileOption.load(prior).parameters();
        List<DatasetRow> rows = new ArrayList<>();
        for (String d : data) {
            rows.addAll(DataLocation.read(d, false));
        }
        java.util.Set<String> excluded = new java.util.TreeSet<>(excludeArchitectures);
        for (String a : excluded) {
            if (rows.stream().noneMatch(r -> r.workload().architectureId().equals(a))) {
                throw new BadInputException("Invalid --exclude-architectures: " + a + " (no row of that architecture in "
                        + String.join(",", data) + ")");
            }
        }
        rows.removeIf(r -> excluded.contains(r.workload().architectureId()));
        List<String> provenance = new ArrayList<>(data);
        if (prior != null) {
            provenance.add("prior:" + prior);
        }
        if (!excluded.isEmpty()) {
            provenance.add("excluded-architectures:" + String.join(",", excluded));
        }
        CalibrationRun.HostPrior host = null;
        if (hostBenchmark) {
            HostValueBenchmark.Result b = HostValueBenchmark.run();
            host = b.prior();
            System.out.printf(java.util.Locale.ROOT, "host benchmark: %s; extra cost ratio %.3f%n", host.description(),
                    host.subnormalMomentRatio());
        }
        CalibrationRun.Outcome o = CalibrationRun.run(rows, provenance, holdoutEvery, start, host);
        try {
            o.profile().save(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write profile " + out, e);
        }
        System.out.print(o.report());
        System.out.println("wrote " + out);
        return 0;
    }
}
