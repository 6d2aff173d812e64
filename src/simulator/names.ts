// Name and directory data of the generated users: first and last names (display form and ASCII form for
// addresses), departments, titles, locations. Tables only; users.ts draws from them.
// [display, ascii-for-addresses]
export const FIRST: readonly (readonly [string, string])[] = [
  ['Adele', 'adele'], ['Alex', 'alex'], ['Allan', 'allan'], ['Bianca', 'bianca'], ['Brian', 'brian'], ['Cameron', 'cameron'],
  ['Christie', 'christie'], ['Debra', 'debra'], ['Diego', 'diego'], ['Emily', 'emily'], ['Enrico', 'enrico'], ['Grady', 'grady'],
  ['Henrietta', 'henrietta'], ['Irvin', 'irvin'], ['Isaiah', 'isaiah'], ['Johanna', 'johanna'], ['Joni', 'joni'], ['Lee', 'lee'],
  ['Lidia', 'lidia'], ['Lynne', 'lynne'], ['Megan', 'megan'], ['Miriam', 'miriam'], ['Nestor', 'nestor'], ['Patti', 'patti'],
  ['Pradeep', 'pradeep'], ['Raul', 'raul'], ['Sara', 'sara'], ['Tomás', 'tomas'], ['Zoë', 'zoe'], ['José', 'jose'],
  ['Björn', 'bjorn'], ['Søren', 'soren'], ['Åsa', 'asa'], ['Amélie', 'amelie'], ['Chen', 'chen'], ['Aiko', 'aiko'],
  ['Fatima', 'fatima'], ['Olu', 'olu'], ['Priya', 'priya'], ['Mateo', 'mateo'], ['Ingrid', 'ingrid'], ['Kwame', 'kwame'],
  ['Noah', 'noah'], ['Olivia', 'olivia'], ['Liam', 'liam'], ['Emma', 'emma'], ['Lucas', 'lucas'], ['Mia', 'mia'],
  ['Hiroshi', 'hiroshi'], ['Anya', 'anya'], ['Dmitri', 'dmitri'], ['Siobhán', 'siobhan'], ['Rafael', 'rafael'], ['Yara', 'yara'],
  ['Ngozi', 'ngozi'], ['Mei', 'mei'], ['Arjun', 'arjun'], ['Leila', 'leila'], ['Oscar', 'oscar'], ['Freya', 'freya'],
  ['Gabriel', 'gabriel'], ['Hana', 'hana'], ['Ivan', 'ivan'], ['Jade', 'jade'],
];
export const LAST: readonly (readonly [string, string])[] = [
  ['Vance', 'vance'], ['Wilber', 'wilber'], ['Deyoung', 'deyoung'], ['Pires', 'pires'], ['Johnson', 'johnson'], ['Evans', 'evans'],
  ['Cline', 'cline'], ['Berg', 'berg'], ['Siciliani', 'siciliani'], ['Braun', 'braun'], ['Mo', 'mo'], ['Archie', 'archie'],
  ['Gonzalez', 'gonzalez'], ['Bellew', 'bellew'], ['Langer', 'langer'], ['Lauer', 'lauer'], ['Sherman', 'sherman'], ['Gu', 'gu'],
  ['Holloway', 'holloway'], ['Robbins', 'robbins'], ['Bowen', 'bowen'], ['Graham', 'graham'], ['Wilke', 'wilke'], ['Fernandez', 'fernandez'],
  ['Gupta', 'gupta'], ['Gomez', 'gomez'], ['Davis', 'davis'], ['Müller', 'muller'], ['Ødegaard', 'odegaard'], ['García', 'garcia'],
  ['Núñez', 'nunez'], ['Kowalski', 'kowalski'], ['O\'Brien', 'obrien'], ['Smith', 'smith'], ['Tanaka', 'tanaka'], ['Okafor', 'okafor'],
  ['Rossi', 'rossi'], ['Dubois', 'dubois'], ['Larsen', 'larsen'], ['Novak', 'novak'], ['Silva', 'silva'], ['Kim', 'kim'],
  ['Patel', 'patel'], ['Cohen', 'cohen'], ['Mensah', 'mensah'], ['Schmidt', 'schmidt'], ['Jansen', 'jansen'], ['Ivanova', 'ivanova'],
  ['Andersson', 'andersson'], ['Moreau', 'moreau'], ['Hughes', 'hughes'], ['Walsh', 'walsh'], ['Ali', 'ali'], ['Suzuki', 'suzuki'],
  ['Costa', 'costa'], ['Yilmaz', 'yilmaz'], ['Murphy', 'murphy'], ['Kaur', 'kaur'], ['Lopez', 'lopez'], ['Zhang', 'zhang'],
  ['Wright', 'wright'], ['Young', 'young'], ['Baker', 'baker'], ['Price', 'price'],
];
export const NAME_COMBOS = FIRST.length * LAST.length; // 4096
export const PERM_A = 1597; // odd, so coprime with 4096: j -> (A*j + B) mod 4096 is a bijection

export const DEPARTMENTS = ['Sales', 'Marketing', 'Finance', 'Engineering', 'Operations', 'Human Resources', 'Legal', 'IT', 'Support', 'Research & Development', 'Retail', 'Manufacturing'];
export const TITLES = ['Analyst', 'Manager', 'Engineer', 'Director', 'Specialist', 'Consultant', 'Coordinator', 'Administrator', 'Associate', 'Team Lead', 'Intern', 'VP'];
export const LOCATIONS = ['US', 'US', 'US', 'US', 'GB', 'DE', 'FR', 'IN', 'CA', 'NL', 'SE', 'JP', 'AU', 'BR', 'ES'];
export const CITIES = ['Seattle', 'Redmond', 'London', 'Berlin', 'Paris', 'Bengaluru', 'Toronto', 'Amsterdam', 'Stockholm', 'Tokyo', 'Sydney', 'São Paulo', 'Madrid'];
export const GUEST_DOMAINS = ['contoso.com', 'fabrikam.com', 'northwindtraders.com', 'adatum.com', 'gmail.com', 'outlook.com'];
export const LANGS = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'ja-JP', null];

