// What every screen of the inspector app shares: the login and the element screens draw into.

import { Session } from "/static/api.js";

export const session = new Session("app");
export const main = document.getElementById("main");
