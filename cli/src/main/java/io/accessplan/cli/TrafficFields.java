package io.accessplan.cli;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Traffic;

import java.util.Map;

/** The traffic fields of a strategy in {@code plan --json} and {@code recommend --json} (DESIGN.md's names). */
final class TrafficFields {
    private TrafficFields() {
    }

    /**
     * Adds the essential / redundant split of a (workload, strategy) step's traffic to a JSON object:
     * the planner's exact plan's ({@link io.accessplan.features.plan.Plan#traffic()}).
     */
    static void put(Map<String, Object> m, Workload w, Strategy s) {
        put(m, Planner.plan(w, s).traffic());
    }

    /** Adds a step's traffic split to a JSON object. */
    static void put(Map<String, Object> m, Traffic t) {
        m.put("hbm_bytes", t.hbmBytes());
        m.put("essential_hbm_bytes", t.essentialHbmBytes());
        m.put("redundant_hbm_bytes", t.redundantHbmBytes());
        m.put("recompute_hbm_bytes", t.recomputeHbmBytes());
        m.put("micro_batch_hbm_bytes", t.microBatchHbmBytes());
        m.put("pcie_bytes", t.pcieBytes());
        m.put("essential_pcie_bytes", t.essentialPcieBytes());
        m.put("redundant_pcie_bytes", t.redundantPcieBytes());
        m.put("offload_pcie_bytes", t.offloadPcieBytes());
        m.put("optimizer_pcie_bytes", t.optimizerPcieBytes());
        m.put("redundant_share", t.redundantShare());
    }
}
