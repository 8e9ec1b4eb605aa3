/** The one list of Graphile Worker tasks. Add a task here and nowhere else. */
import type { CronItem, TaskList } from "graphile-worker";
import { toGraphileTask } from "../define-task";
import { SYNC_CRON, syncTaskList } from "../../sync/tasks";
import { forecastCron, forecastTaskList } from "../../forecasts/tasks";
import { eraseShopTask } from "./erase-shop";
import { syncShopInfo } from "./sync-shop-info";

export const tasks = [syncShopInfo, eraseShopTask] as const;

export function taskList(): TaskList {
  return { ...Object.fromEntries(tasks.map((task) => [task.name, toGraphileTask(task)])), ...syncTaskList(), ...forecastTaskList() };
}

/** The one schedule of recurring jobs (UTC). Task names contain dots, which Graphile's crontab text format refuses, hence items. */
export function cronItems(): CronItem[] {
  return [...SYNC_CRON, ...forecastCron()];
}
