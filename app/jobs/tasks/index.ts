/** The one list of Graphile Worker tasks. Add a task here and nowhere else. */
import type { TaskList } from "graphile-worker";
import { toGraphileTask } from "../define-task";
import { syncTaskList } from "../../sync/tasks";
import { syncShopInfo } from "./sync-shop-info";

export const tasks = [syncShopInfo] as const;

export function taskList(): TaskList {
  return { ...Object.fromEntries(tasks.map((task) => [task.name, toGraphileTask(task)])), ...syncTaskList() };
}
