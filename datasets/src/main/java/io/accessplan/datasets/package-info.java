/** accessplan datasets. */
package io.accessplan.datasets;
