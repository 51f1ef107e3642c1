//! English: whole reminder messages, as texted, with the reminder's text.

use crate::common::check;

#[test]
#[rustfmt::skip]
fn commands_are_removed() {
    check("remind me to call mom tomorrow at 5", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"call mom","rrule":null}"#);
    check("remind me to take my meds at 8am", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"take my meds","rrule":null}"#);
    check("Remind me to call the dentist tomorrow at 10:30", r#"{"at":"2026-03-05T10:30:00-05:00","grain":"minute","text":"call the dentist","rrule":null}"#);
    check("remind me about the meeting on friday at 2pm", r#"{"at":"2026-03-06T14:00:00-05:00","grain":"hour","text":"the meeting","rrule":null}"#);
    check("remind me in 20 min to check the oven", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"check the oven","rrule":null}"#);
    check("remind me in 5 minutes to call mom", r#"{"at":"2026-03-04T10:05:00-05:00","grain":"minute","text":"call mom","rrule":null}"#);
    check("remind me in 30 seconds to test", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"test","rrule":null}"#);
    check("don't forget to pick up the kids at 3:15", r#"{"at":"2026-03-04T15:15:00-05:00","grain":"minute","text":"pick up the kids","rrule":null}"#);
    check("dont let me forget to water the plants tonight", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"water the plants","rrule":null}"#);
    check("don't let me forget to feed the cat at 6pm", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"feed the cat","rrule":null}"#);
    check("do not forget to lock the door at 10pm", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"lock the door","rrule":null}"#);
    check("reminder: pay rent on the 1st", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"pay rent","rrule":null}"#);
    check("can you remind me to email Sarah next monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"email Sarah","rrule":null}"#);
    check("set a reminder for tomorrow to call the bank", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"call the bank","rrule":null}"#);
    check("set a reminder to renew passport next month", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"month","text":"renew passport","rrule":null}"#);
    check("remind me at noon to eat lunch", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"eat lunch","rrule":null}"#);
    check("remind me that the parcel arrives on friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"the parcel arrives","rrule":null}"#);
    check("remind me of my appointment tuesday at 4:30", r#"{"at":"2026-03-10T16:30:00-04:00","grain":"minute","text":"my appointment","rrule":null}"#);
    check("remind me to pay the phone bill on the 28th", r#"{"at":"2026-03-28T09:00:00-04:00","grain":"day","text":"pay the phone bill","rrule":null}"#);
    check("nudge me to stand up in 30 minutes", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"stand up","rrule":null}"#);
    check("remind me tonight to pack my bag", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"pack my bag","rrule":null}"#);
    check("remind me about rent on the 1st", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"rent","rrule":null}"#);
    check("remind me to go to bed at 11pm", r#"{"at":"2026-03-04T23:00:00-05:00","grain":"hour","text":"go to bed","rrule":null}"#);
    check("remind me to call the school at 9:15 tomorrow morning", r#"{"at":"2026-03-05T09:15:00-05:00","grain":"minute","text":"call the school","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn politeness() {
    check("pls remind me to buy milk tmrw morning", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"buy milk","rrule":null}"#);
    check("call mom tomorrow at 5pm please", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"call mom","rrule":null}"#);
    check("hey can you remind me to call Dave at 4", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"call Dave","rrule":null}"#);
    check("please remind me to stretch every hour, thanks!", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"stretch","rrule":"FREQ=HOURLY"}"#);
    check("remind me to submit the form by friday plz", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"submit the form","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn no_command() {
    check("call mom at 5 tomorrow", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"call mom","rrule":null}"#);
    check("doctor appt march 10 at 9:45am", r#"{"at":"2026-03-10T09:45:00-04:00","grain":"minute","text":"doctor appt","rrule":null}"#);
    check("dentist on the 15th at 2", r#"{"at":"2026-03-15T14:00:00-04:00","grain":"hour","text":"dentist","rrule":null}"#);
    check("gym at 6:30 am", r#"{"at":"2026-03-05T06:30:00-05:00","grain":"minute","text":"gym","rrule":null}"#);
    check("team meeting at 14:00", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"minute","text":"team meeting","rrule":null}"#);
    check("tomorrow at 9 call grandma", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"call grandma","rrule":null}"#);
    check("at 5 call mom", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"call mom","rrule":null}"#);
    check("meeting w/ Bob @ 3pm tmrw", r#"{"at":"2026-03-05T15:00:00-05:00","grain":"hour","text":"meeting w/ Bob","rrule":null}"#);
    check("Pick up dry cleaning Thursday after 5", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"Pick up dry cleaning","rrule":null}"#);
    check("Take out trash tonight!!", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"Take out trash","rrule":null}"#);
    check("Text Jen happy birthday on March 12", r#"{"at":"2026-03-12T09:00:00-04:00","grain":"day","text":"Text Jen happy birthday","rrule":null}"#);
    check("I need to call the bank tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"I need to call the bank","rrule":null}"#);
    check("buy groceries after work at 6", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"buy groceries after work","rrule":null}"#);
    check("email boss by friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"email boss","rrule":null}"#);
    check("finish report by end of day", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"finish report","rrule":null}"#);
    check("lunch with Amy at 12:30 on wednesday", r#"{"at":"2026-03-11T12:30:00-04:00","grain":"minute","text":"lunch with Amy","rrule":null}"#);
    check("wed 12:30 lunch", r#"{"at":"2026-03-11T12:30:00-04:00","grain":"minute","text":"lunch","rrule":null}"#);
    check("call 555-1234 at 3pm", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"call 555-1234","rrule":null}"#);
    check("Mom's birthday march 12", r#"{"at":"2026-03-12T09:00:00-04:00","grain":"day","text":"Mom's birthday","rrule":null}"#);
    check("book flights next week", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"week","text":"book flights","rrule":null}"#);
    check("renew license in 2 months", r#"{"at":"2026-05-04T09:00:00-04:00","grain":"month","text":"renew license","rrule":null}"#);
    check("pick up the cake friday at noon", r#"{"at":"2026-03-06T12:00:00-05:00","grain":"hour","text":"pick up the cake","rrule":null}"#);
    check("buy 3 apples tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"buy 3 apples","rrule":null}"#);
    check("check the laundry in an hour", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"check the laundry","rrule":null}"#);
    check("Put the trash out Sunday night.", r#"{"at":"2026-03-08T21:00:00-04:00","grain":"hour","text":"Put the trash out","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn recurring_messages() {
    check("remind me every weekday at 9 to check email", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"check email","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0"}"#);
    check("every 2 weeks on monday pay rent", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"pay rent","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("remind me every 3 hours to drink water", r#"{"at":"2026-03-04T13:00:00-05:00","grain":"hour","text":"drink water","rrule":"FREQ=HOURLY;INTERVAL=3"}"#);
    check("remind me to take out the recycling every tuesday night", r#"{"at":"2026-03-10T21:00:00-04:00","grain":"hour","text":"take out the recycling","rrule":"FREQ=WEEKLY;BYDAY=TU;BYHOUR=21;BYMINUTE=0"}"#);
    check("water plants every sunday morning", r#"{"at":"2026-03-08T09:00:00-04:00","grain":"hour","text":"water plants","rrule":"FREQ=WEEKLY;BYDAY=SU;BYHOUR=9;BYMINUTE=0"}"#);
    check("pay credit card on the 15th of every month", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"pay credit card","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"}"#);
    check("remind me to take my pills every day at 8am", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"take my pills","rrule":"FREQ=DAILY;BYHOUR=8;BYMINUTE=0"}"#);
    check("submit timesheet every friday at 4pm", r#"{"at":"2026-03-06T16:00:00-05:00","grain":"hour","text":"submit timesheet","rrule":"FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0"}"#);
    check("stand up and stretch every 30 minutes", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"stand up and stretch","rrule":"FREQ=MINUTELY;INTERVAL=30"}"#);
    check("call grandma every sunday at 5", r#"{"at":"2026-03-08T17:00:00-04:00","grain":"hour","text":"call grandma","rrule":"FREQ=WEEKLY;BYDAY=SU;BYHOUR=17;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn symbols_are_kept() {
    check("buy milk (2%) tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"buy milk (2%)","rrule":null}"#);
    check("call mom tomorrow 🎂", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"call mom 🎂","rrule":null}"#);
    check("remind me to pay $50 rent tomorrow!", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"pay $50 rent","rrule":null}"#);
    check("at 7-eleven tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"at 7-eleven","rrule":null}"#);
    check("Remind Me Tomorrow At 9AM To Call", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"Call","rrule":null}"#);
    check("remind me at 5 tomorrow to call mom at the office", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"call mom at the office","rrule":null}"#);
}
