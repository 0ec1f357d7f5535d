package io.accessplan.collector.sim;

import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.Preset;
import io.accessplan.collector.Sweep;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.features.Workload;

import java.util.ArrayList;
import java.util.List;

/**
 * The sweep of a card's calibrated twin, in memory: every candidate strategy of a preset's
 * workloads on the profile's devices, measured by the simulator with the card's parameters.
 * Its rows are {@code sim}: they fill in the space around the card's measured rows when a model
 * trains on both ({@code train} does this for every measured dataset that ships a profile).
 */
public final class TwinSweep {
    private TwinSweep() {
    }

    /**
     * The twin's rows.
     *
     * @param profile the card's calibration
     * @param preset  which workloads (the measured sweeps used {@link Preset#STANDARD})
     * @param repeats timed repeats per row
     * @param seed    the sweep's seed (the preset's sampling and the simulator's noise)
     */
    public static List<DatasetRow> rows(CalibrationProfile profile, Preset preset, int repeats, long seed) {
        List<DatasetRow> out = new ArrayList<>();
        try (SimBackend sim = new SimBackend(new BackendOptions(0, 0, seed), profile.parameters())) {
            for (Workload w : preset.workloads(profile.devices(), seed)) {
                Sweep.measureWorkload(sim, w, repeats, seed, out::add);
            }
        }
        return out;
    }
}
