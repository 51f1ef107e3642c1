//! Several requests in one message, each read as its own reminder.

use super::*;

#[test]
fn several_requests_in_one_message() {
    family(
        "several",
        &[
            ("remind me to call mom at 5 and buy milk tomorrow", "2"),
            ("remind me to call mom at 5pm and to buy milk tomorrow", "2"),
            ("Remind me to call mom at 5pm and buy milk tomorrow at 9", "2"),
            ("remind me at 5 to call mom and at 7 to take my pills", "2"),
            ("remind me to call mom at 5 & buy milk at 6", "2"),
            ("remind me to call mom at 5 + buy milk at 6", "2"),
            ("remind me to stretch in 20 minutes and drink water in an hour", "2"),
            ("remind me to stretch in 20 min and drink water in 1 hr", "2"),
            (
                "remind me to pay rent tomorrow at 9am and call the landlord at noon",
                "2",
            ),
            ("remind me to feed the cat at 6pm and walk the dog at 7pm", "2"),
            ("remind me to feed the cat at 6pm, and walk the dog at 7pm", "2"),
            ("remind me to feed the cat at 6pm and then walk the dog at 7pm", "2"),
            ("remind me to feed the cat at 6pm and also walk the dog at 7pm", "2"),
            ("remind me to feed the cat at 6pm. walk the dog at 7pm", "2"),
            ("remind me to take my pills at 8am and 8pm", "2"),
            ("remind me to call the bank at 10am and email Sam at 2pm", "2"),
            ("remind me to email Sam at 2pm and call the bank at 4pm pls", "2"),
            ("remind me to buy milk tmrw and call mom at 5", "2"),
            (
                "remind me to buy milk tomorrow at 10am and call mom at 5pm and pay rent friday at 9am",
                "3",
            ),
            ("remind me to water the plants at 6 and take out trash at 9", "2"),
            (
                "remind me in 10 minutes to check the oven and in 30 minutes to take it out",
                "2",
            ),
            (
                "remind me at 9am to call the doctor and at 3pm to pick up the kids",
                "2",
            ),
            (
                "remind me at 9am tmrw to call the doctor and at 3pm to pick up the kids",
                "2",
            ),
            ("Remind me to study at 4pm and to sleep at 11pm", "2"),
            ("remind me to start dinner at 5:30 and to call dad at 7", "2"),
            ("remind me to move the car at 8am and pay the ticket at noon", "2"),
            (
                "remind me to send the invoice tomorrow at 10 and follow up friday at 10",
                "2",
            ),
            ("remind me to call the vet at 9 and book the groomer at 11", "2"),
            ("remind me to text Jo at 6pm and to call Max at 8pm", "2"),
            ("remind me to drink water in 1 hour and stretch in 2 hours", "2"),
            ("remind me to leave at 8:15 and lock the door at 8:10", "2"),
            ("remind me to check email at 1pm and update the doc at 3pm", "2"),
            ("remind me to take my meds at 9pm and go to bed at 10:30pm", "2"),
            ("remind me to pick up Léa at 3:30 and drop her at dance at 4:30", "2"),
            ("remind me to call mom at 5 and dad at 6", "2"),
            (
                "remind me to renew my passport monday at 10am and call the embassy tuesday at 10am",
                "2",
            ),
            ("set a reminder to call mom at 5 and buy milk at 6", "2"),
            ("remind me to go to the gym at 6am and to meal prep at 7pm", "2"),
            (
                "remind me to pay the phone bill tomorrow at noon and the internet bill friday at noon",
                "2",
            ),
            ("remind me to log my hours at 5pm and to back up my laptop at 6pm", "2"),
            ("remind me to call mom at 5 and buy milk at 6 pls", "2"),
            ("pls remind me to call mom at 5 and buy milk at 6", "2"),
            ("remind me to wake Sam at 7 and make lunch at 7:30", "2"),
            ("remind me to buy flowers at noon and call grandma at 4pm", "2"),
            (
                "remind me to clean the fridge saturday at 10am and do laundry sunday at 10am",
                "2",
            ),
            (
                "remind me to turn off the oven in 40 min and set the table in 30 min",
                "2",
            ),
            ("remind me to go vote at 5pm and to pick up dinner at 6pm", "2"),
            ("remind me to charge my phone at 10pm and set an alarm at 10:30pm", "2"),
            (
                "remind me to refill my prescription tomorrow at 11 and pick it up friday at 5pm",
                "2",
            ),
            ("REMIND ME TO CALL MOM AT 5 AND BUY MILK AT 6", "2"),
            ("remind me to call mom @ 5pm and buy milk @ 6pm", "2"),
        ],
        &[
            ("rappelle-moi d'appeler maman à 17h et d'acheter du lait demain", "2"),
            (
                "rappelle moi d'appeler maman à 17h et d'acheter du lait demain à 9h",
                "2",
            ),
            ("Rappelle-moi d'appeler maman a 17h et d'acheter du lait demain", "2"),
            (
                "rappelle-moi à 17h d'appeler maman et à 19h de prendre mes médicaments",
                "2",
            ),
            ("rappelle-moi d'appeler maman à 17h et acheter du lait à 18h", "2"),
            ("rappelle-moi d'appeler maman à 17h puis d'acheter du lait à 18h", "2"),
            (
                "rappelle-moi d'appeler maman à 17h et puis d'acheter du lait à 18h",
                "2",
            ),
            (
                "rappelle-moi d'appeler maman à 17h et aussi d'acheter du lait à 18h",
                "2",
            ),
            ("rappelle-moi d'appeler maman à 17h, et d'acheter du lait à 18h", "2"),
            (
                "rappelle-moi de m'étirer dans 20 minutes et de boire de l'eau dans une heure",
                "2",
            ),
            ("rappelle-moi de m'étirer dans 20 min et de boire de l'eau dans 1h", "2"),
            (
                "rappelle-moi de payer le loyer demain à 9h et d'appeler le proprio à midi",
                "2",
            ),
            ("rappelle-moi de nourrir le chat à 18h et de sortir le chien à 19h", "2"),
            ("rappelle-moi de nourrir le chat à 18h. sortir le chien à 19h", "2"),
            ("rappelle-moi de prendre mes médocs à 14h et à 20h", "2"),
            ("rappelle-moi d'appeler la banque à 10h et d'écrire à Sam à 14h", "2"),
            (
                "rappelle-moi d'écrire à Sam à 14h et d'appeler la banque à 16h stp",
                "2",
            ),
            ("rappelle-moi d'acheter du lait dem et d'appeler maman à 17h", "2"),
            (
                "rappelle-moi d'acheter du lait demain à 10h et d'appeler maman à 17h et de payer le loyer vendredi à 9h",
                "3",
            ),
            (
                "rappelle-moi d'arroser les plantes à 18h et de sortir les poubelles à 21h",
                "2",
            ),
            (
                "rappelle-moi dans 10 minutes de vérifier le four et dans 30 minutes de le sortir",
                "2",
            ),
            (
                "rappelle-moi à 13h d'appeler le médecin et à 15h d'aller chercher les enfants",
                "2",
            ),
            (
                "rappelle-moi demain à 9h d'appeler le médecin et à 15h d'aller chercher les enfants",
                "2",
            ),
            ("Rappelle-moi de réviser à 16h et de dormir à 23h", "2"),
            ("rappelle-moi de lancer le souper à 17h30 et d'appeler papa à 19h", "2"),
            (
                "rappelle-moi de déplacer l'auto à 13h et de payer la contravention à 16h",
                "2",
            ),
            (
                "rappelle-moi d'envoyer la facture demain à 10h et de relancer vendredi à 10h",
                "2",
            ),
            (
                "rappelle-moi d'appeler le véto à 14h et de réserver le toilettage à 16h",
                "2",
            ),
            ("rappelle-moi d'écrire à Jo à 18h et d'appeler Max à 20h", "2"),
            ("rappelle-moi de boire de l'eau dans 1h et de m'étirer dans 2h", "2"),
            ("rappelle-moi de partir à 18h15 et de fermer à clé à 18h10", "2"),
            (
                "rappelle-moi de lire mes mails à 13h et de mettre à jour le doc à 15h",
                "2",
            ),
            (
                "rappelle-moi de prendre mes médicaments à 21h et d'aller me coucher à 22h30",
                "2",
            ),
            (
                "rappelle-moi d'aller chercher Léa à 15h30 et de la déposer à la danse à 16h30",
                "2",
            ),
            ("rappelle-moi d'appeler maman à 17h et papa à 18h", "2"),
            (
                "rappelle-moi de renouveler mon passeport lundi à 10h et d'appeler l'ambassade mardi à 10h",
                "2",
            ),
            ("fais-moi penser d'appeler maman à 17h et d'acheter du lait à 18h", "2"),
            ("rappelle-moi d'aller au gym à 16h et de préparer les repas à 19h", "2"),
            (
                "rappelle-moi de payer le téléphone demain à midi et internet vendredi à midi",
                "2",
            ),
            (
                "rappelle-moi de noter mes heures à 17h et de sauvegarder mon ordi à 18h",
                "2",
            ),
            ("rappelle-moi d'appeler maman à 17h et d'acheter du lait à 18h stp", "2"),
            ("stp rappelle-moi d'appeler maman à 17h et d'acheter du lait à 18h", "2"),
            ("rappelle-moi de réveiller Sam à 17h et de faire le souper à 17h30", "2"),
            ("rappelle-moi d'acheter des fleurs à midi et d'appeler mamie à 16h", "2"),
            (
                "rappelle-moi de nettoyer le frigo samedi à 10h et de faire la lessive dimanche à 10h",
                "2",
            ),
            (
                "rappelle-moi d'éteindre le four dans 40 min et de mettre la table dans 30 min",
                "2",
            ),
            ("rappelle-moi d'aller voter à 17h et de prendre le souper à 18h", "2"),
            (
                "rappelle-moi de charger mon tel à 22h et de mettre un réveil à 22h30",
                "2",
            ),
            (
                "rappelle-moi de renouveler mon ordonnance demain à 11h et de la récupérer vendredi à 17h",
                "2",
            ),
            ("RAPPELLE-MOI D'APPELER MAMAN À 17H ET D'ACHETER DU LAIT À 18H", "2"),
            ("rappel moi d'appeler maman à 17h et d'acheter du lait à 18h", "2"),
        ],
    );
}
