// Only the parts of Apache ECharts the cluster scatter plot uses (tree-shaken): this module is
// imported dynamically by ClusterScatter, so ECharts loads with the Stats page and never with
// the initial route.
import { ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([ScatterChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export { init };
export type { ECharts } from 'echarts/core';
